/**
 * Distances between a reference distribution and observed counts (docs/ARCHITECTURE.md "Drift").
 *
 * PSI = Σ (a_i − e_i) · ln(a_i / e_i), where e is the reference and a the observed distribution.
 * A bin empty on either side would make the log infinite, so both distributions are smoothed the
 * same way before the sum: p'_i = (p_i + ε) / (1 + k·ε), with ε = `PSI_EPSILON` (1e-4) unless
 * given. Identical distributions therefore still give exactly 0, and an empty observed bin whose
 * reference frequency is f contributes about f · ln(f / ε) — large, but finite.
 *
 * Both inputs are normalised first, so the reference may be frequencies that do not sum to 1
 * (e.g. excluding missing values) and the observed side may be raw counts.
 */
export const PSI_EPSILON = 1e-4;

function normalise(values: readonly number[]): number[] | undefined {
  const total = values.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return undefined;
  return values.map((v) => v / total);
}

function checkLengths(reference: readonly number[], observed: readonly number[]): void {
  if (reference.length !== observed.length || reference.length === 0) {
    throw new RangeError(`reference has ${reference.length} bins, observed ${observed.length}`);
  }
}

/** Population stability index; NaN when either side is empty (no rows: nothing to compare). */
export function psi(
  referenceFreqs: readonly number[],
  observedCounts: readonly number[],
  epsilon: number = PSI_EPSILON,
): number {
  checkLengths(referenceFreqs, observedCounts);
  const e = normalise(referenceFreqs);
  const a = normalise(observedCounts);
  if (!e || !a) return Number.NaN;
  const k = e.length;
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const ei = ((e[i] as number) + epsilon) / (1 + k * epsilon);
    const ai = ((a[i] as number) + epsilon) / (1 + k * epsilon);
    sum += (ai - ei) * Math.log(ai / ei);
  }
  return sum;
}

/**
 * Jensen–Shannon divergence in bits (log base 2), so it lies in [0, 1]; no smoothing is needed
 * because each side is compared with the mixture, which is never zero where the side is not.
 * NaN when either side is empty.
 */
export function jensenShannon(referenceFreqs: readonly number[], observedCounts: readonly number[]): number {
  checkLengths(referenceFreqs, observedCounts);
  const p = normalise(referenceFreqs);
  const q = normalise(observedCounts);
  if (!p || !q) return Number.NaN;
  let kl1 = 0;
  let kl2 = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] as number;
    const qi = q[i] as number;
    const mi = (pi + qi) / 2;
    if (pi > 0) kl1 += pi * Math.log2(pi / mi);
    if (qi > 0) kl2 += qi * Math.log2(qi / mi);
  }
  // Rounding can leave a value a hair below 0 for identical inputs.
  return Math.max(0, (kl1 + kl2) / 2);
}
