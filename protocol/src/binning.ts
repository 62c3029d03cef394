/**
 * The binning rule shared by the reference profile (trainer) and telemetry (device): k ascending
 * interior edges make k + 1 bins; x falls in bin i where i is the number of edges ≤ x.
 * So bin 0 is (-∞, e0), bin i is [e(i-1), e(i)), bin k is [e(k-1), +∞).
 */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Normalises counts to fractions (all zeros stay zeros). */
export function toFrequencies(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}
