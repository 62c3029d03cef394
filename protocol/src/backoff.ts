/**
 * The back-off rule every retry in a transfer or an update follows (docs/DEVICE.md "Updates"):
 * the wait before retry `n` (0 for the first) is `baseMs × factor^n`, capped at `capMs`, then
 * stretched by up to `jitter` of itself at random so that many nodes failing together do not come
 * back together. The jitter only lengthens a wait: a time-out is never shorter than its base.
 */
export interface BackoffRule {
  baseMs: number;
  capMs: number;
  /** Default 2. */
  factor?: number;
  /** Fraction of the wait added at random, 0 to 1 (default 0.25). */
  jitter?: number;
}

export function backoffDelay(rule: BackoffRule, retry: number, random: () => number = Math.random): number {
  const grown = Math.min(rule.capMs, rule.baseMs * (rule.factor ?? 2) ** Math.max(0, retry));
  return Math.round(grown * (1 + (rule.jitter ?? 0.25) * random()));
}
