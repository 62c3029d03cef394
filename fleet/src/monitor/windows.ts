/**
 * Time windows of monitoring (docs/MONITORING.md "Windows"): buckets of `sizeMs` starting every
 * `stepMs` from the Unix epoch (UTC), so hourly and daily windows start on the hour and at midnight
 * UTC. `stepMs` equal to `sizeMs` gives back-to-back windows; a smaller step gives sliding ones
 * (a 1 d window every hour). A telemetry window belongs to every bucket its start falls in.
 */
import { MonitorErrorCodes, monitorError } from './errors.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export interface WindowSpec {
  sizeMs: number;
  stepMs: number;
}

/** The default windows: hourly and daily, back to back. */
export const DEFAULT_WINDOWS: readonly WindowSpec[] = [
  { sizeMs: HOUR_MS, stepMs: HOUR_MS },
  { sizeMs: DAY_MS, stepMs: DAY_MS },
];

const UNIT: Record<string, number> = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

/** `30m`, `1h`, `1d`, `7d`: a duration in ms; throws MONITOR_WINDOW_INVALID otherwise. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  const n = m ? Number(m[1]) * (UNIT[m[2] as string] as number) : Number.NaN;
  if (!(n > 0))
    throw monitorError(MonitorErrorCodes.MONITOR_WINDOW_INVALID, `not a window length: ${text} (e.g. 15m, 1h, 1d)`, {
      window: text,
    });
  return n;
}

/** A window spec from its text: `1h` (back to back) or `1d/1h` (1 d windows every hour). */
export function parseWindowSpec(text: string): WindowSpec {
  const [size, step] = text.split('/');
  const sizeMs = parseDuration(size ?? '');
  const stepMs = step === undefined ? sizeMs : parseDuration(step);
  if (stepMs > sizeMs || sizeMs % stepMs !== 0)
    throw monitorError(MonitorErrorCodes.MONITOR_WINDOW_INVALID, `the step must divide the window: ${text}`, {
      window: text,
    });
  return { sizeMs, stepMs };
}

export function formatDuration(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  return `${ms / MINUTE_MS}m`;
}

/** Starts (ms) of the buckets an instant belongs to, oldest first. */
export function bucketStarts(at: number, spec: WindowSpec): number[] {
  const last = Math.floor(at / spec.stepMs) * spec.stepMs;
  const out: number[] = [];
  for (let s = last - spec.sizeMs + spec.stepMs; s <= last; s += spec.stepMs) out.push(s);
  return out;
}
