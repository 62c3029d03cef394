import { usageError, type OptionParser } from '@outpost/protocol/cli';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time for `--since` / `--until`: an ISO 8601 time (`2026-12-04T10:00:00Z`, or a date),
 * or a duration before now (`30m`, `6h`, `7d`). Returns an ISO string (UTC).
 */
export function timeOption(option: string, now: () => number = Date.now): OptionParser<string> {
  return (text) => {
    const rel = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
    if (rel) return new Date(now() - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number)).toISOString();
    const t = Date.parse(text);
    if (Number.isNaN(t)) {
      throw usageError(
        option,
        `must be an ISO time (2026-12-04T10:00:00Z) or a duration ago (30m, 6h, 7d), got ${JSON.stringify(text)}`,
      );
    }
    return new Date(t).toISOString();
  };
}
