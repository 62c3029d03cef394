/**
 * Seeded pseudo-random numbers (mulberry32). Everything random in the trainer draws from here so a
 * seed reproduces a run bit for bit; Math.random is never used.
 */
export { mulberry32, type Rng } from '@outpost/protocol';
import type { Rng } from '@outpost/protocol';

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
