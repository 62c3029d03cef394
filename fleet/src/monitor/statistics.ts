/**
 * Distribution tests on binned counts (docs/MONITORING.md "Statistics"), next to PSI and
 * Jensen–Shannon of drift/psi.ts: Pearson's χ² goodness of fit for categories and an approximate
 * Kolmogorov–Smirnov distance from the cumulative bins of an ordered (numeric) feature. Both take
 * the reference as frequencies and the observed side as raw counts, like `psi`. Checked against
 * scipy on the same bins (fleet/test/monitor/fixtures/scipy-statistics.json).
 */

export interface ChiSquare {
  statistic: number;
  /** Degrees of freedom: the bins with a non-zero reference frequency, minus 1. */
  df: number;
  /** P(χ²_df ≥ statistic): small means the observed counts are unlikely under the reference. */
  pValue: number;
}

export interface KolmogorovSmirnov {
  /** max over bin edges of |F_observed − F_reference|, the KS distance at bin resolution. */
  statistic: number;
  /** Asymptotic one-sample p-value, Kolmogorov's distribution at D·√n (n = observed count). */
  pValue: number;
}

function total(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function sameLength(reference: readonly number[], observed: readonly number[]): void {
  if (reference.length !== observed.length || reference.length === 0)
    throw new RangeError(`reference has ${reference.length} bins, observed ${observed.length}`);
}

/**
 * Pearson's χ² of observed counts against reference frequencies scaled to the observed total (as
 * `scipy.stats.chisquare(f_obs, f_exp)`). Bins whose reference frequency is 0 cannot be expected and
 * are left out of the sum (their share is a data-quality finding — unseen categories — not drift).
 * NaN fields when there is nothing to compare.
 */
export function chiSquare(referenceFreqs: readonly number[], observedCounts: readonly number[]): ChiSquare {
  sameLength(referenceFreqs, observedCounts);
  let refTotal = 0;
  let obsTotal = 0;
  let kept = 0;
  for (let i = 0; i < referenceFreqs.length; i++) {
    if ((referenceFreqs[i] as number) > 0) {
      refTotal += referenceFreqs[i] as number;
      obsTotal += observedCounts[i] as number;
      kept++;
    }
  }
  if (!(refTotal > 0) || !(obsTotal > 0) || kept < 2) return { statistic: Number.NaN, df: 0, pValue: Number.NaN };
  let statistic = 0;
  for (let i = 0; i < referenceFreqs.length; i++) {
    const f = referenceFreqs[i] as number;
    if (!(f > 0)) continue;
    const expected = (f / refTotal) * obsTotal;
    const d = (observedCounts[i] as number) - expected;
    statistic += (d * d) / expected;
  }
  const df = kept - 1;
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}

/**
 * The KS distance between the observed counts and the reference over ordered bins: both are turned
 * into cumulative distributions at the bin edges and compared there, so it is the exact KS distance
 * of the two binned distributions and a lower bound of the one between the raw samples.
 */
export function ksFromBins(referenceFreqs: readonly number[], observedCounts: readonly number[]): KolmogorovSmirnov {
  sameLength(referenceFreqs, observedCounts);
  const refTotal = total(referenceFreqs);
  const n = total(observedCounts);
  if (!(refTotal > 0) || !(n > 0)) return { statistic: Number.NaN, pValue: Number.NaN };
  let cr = 0;
  let co = 0;
  let d = 0;
  for (let i = 0; i < referenceFreqs.length; i++) {
    cr += (referenceFreqs[i] as number) / refTotal;
    co += (observedCounts[i] as number) / n;
    const gap = Math.abs(co - cr);
    if (gap > d) d = gap;
  }
  return { statistic: d, pValue: kolmogorovSurvival(d * Math.sqrt(n)) };
}

/** P(K > λ) of Kolmogorov's limiting distribution: 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}. */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 0.2) return 1; // the alternating series converges slowly there; the value is 1 to 1e-40
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** P(χ²_df ≥ x): the regularized upper incomplete gamma function Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) return Number.NaN;
  if (!(x > 0)) return 1;
  return upperGamma(df / 2, x / 2);
}

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(z) for z > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const x = z - 1;
  let a = 0.99999999999980993;
  const t = x + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += (LANCZOS[i] as number) / (x + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Γ(a, x) / Γ(a): the series below a + 1, Lentz's continued fraction above. */
function upperGamma(a: number, x: number): number {
  const lnFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnFront));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, Math.exp(lnFront) * h);
}
