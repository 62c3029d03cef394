import { createHash } from 'node:crypto';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import type { WaveStep } from './campaign.ts';

/** The default waves: a 1% wave, then 10%, 50%, everyone. */
export const DEFAULT_WAVES = '1%,10%,50%,100%';

/**
 * Reads `--waves`: comma-separated cumulative steps, each a share (`10%`), a device count (`50`) or
 * `all`; they must grow, and the last must be `100%` or `all` (a campaign reaches its whole target).
 * Throws OUTPOST_ERR_CAMPAIGN_INVALID.
 */
export function parseWaves(text: string): WaveStep[] {
  const steps = text.split(',').map((t): WaveStep => {
    const s = t.trim();
    if (s === 'all') return { all: true };
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
    if (pct) {
      const percent = Number(pct[1]);
      if (percent > 0 && percent <= 100) return { percent };
    } else if (/^\d+$/.test(s) && Number(s) > 0) return { count: Number(s) };
    throw fleetError(
      FleetErrorCodes.CAMPAIGN_INVALID,
      `wave ${JSON.stringify(s)} is not a share (10%), a count (50) or all`,
      {
        waves: text,
      },
    );
  });
  const last = steps.at(-1);
  if (!last || !('all' in last || ('percent' in last && last.percent === 100))) {
    throw fleetError(FleetErrorCodes.CAMPAIGN_INVALID, 'the last wave must be 100% or all', { waves: text });
  }
  return steps;
}

export const formatSteps = (steps: readonly WaveStep[]): string =>
  steps.map((s) => ('all' in s ? 'all' : 'percent' in s ? `${s.percent}%` : String(s.count))).join(',');

/** A device's place in a campaign's order: a hash of the seed and its id, so the order is stable and not by name. */
const rank = (seed: string, device: string): string => createHash('sha256').update(`${seed}\0${device}`).digest('hex');

/**
 * Splits `devices` into waves (docs/ARCHITECTURE.md "Campaigns"): the canary list first (its own
 * wave), the rest in seeded-hash order; wave k ends where step k's cumulative size is reached
 * (a share rounds up, so every step holds at least one device); empty waves are dropped.
 */
export function planWaves(
  devices: readonly string[],
  steps: readonly WaveStep[],
  seed: string,
  canary: readonly string[] = [],
): string[][] {
  const pool = [...new Set(devices)];
  const first = canary.filter((d) => pool.includes(d));
  const rest = pool
    .filter((d) => !first.includes(d))
    .map((d) => ({ d, r: rank(seed, d) }))
    .sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0))
    .map((x) => x.d);
  const order = [...first, ...rest];
  const n = order.length;
  const waves: string[][] = [];
  let done = 0;
  if (first.length > 0) {
    waves.push(first);
    done = first.length;
  }
  for (const s of steps) {
    const upTo = 'all' in s ? n : 'percent' in s ? Math.ceil((s.percent / 100) * n - 1e-9) : Math.min(s.count, n);
    const end = Math.max(done, Math.min(n, Math.max(upTo, done === 0 ? 1 : 0)));
    if (end > done) waves.push(order.slice(done, end));
    done = end;
  }
  if (done < n) waves.push(order.slice(done));
  return waves;
}
