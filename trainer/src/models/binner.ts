/**
 * Feature binning for the histogram tree learners (GBDT, forest): every column is cut once into at
 * most 255 bins at quantile thresholds of the training rows, and each value is replaced by its bin
 * number (a Uint8Array, column-major, so a histogram pass reads one column contiguously).
 *
 * A split "bin ≤ b" is exported as the raw-value test "x ≤ thresholds[b]", so ONNX trees
 * (BRANCH_LEQ) and the in-process model agree exactly: value v goes to bin b iff
 * thresholds[b-1] < v ≤ thresholds[b].
 */
import type { Matrix } from './learner.ts';

export const MAX_BINS = 255;

export interface FeatureBins {
  /** Upper bounds of bins 0..k-2 per column, ascending; bin k-1 takes the rest. */
  thresholds: Float64Array[];
  /** Number of bins per column (thresholds.length + 1). */
  counts: Uint16Array;
}

export interface BinnedMatrix {
  rows: number;
  cols: number;
  /** Column-major bin numbers: bins[c * rows + r]. */
  bins: Uint8Array;
}

/** Fits bin thresholds: midpoints between distinct values, or quantiles when there are too many. */
export function fitBins(x: Matrix, maxBins = MAX_BINS): FeatureBins {
  const thresholds: Float64Array[] = [];
  const counts = new Uint16Array(x.cols);
  const column = new Float64Array(x.rows);
  for (let c = 0; c < x.cols; c++) {
    for (let r = 0; r < x.rows; r++) column[r] = x.data[r * x.cols + c] as number;
    const sorted = column.slice().sort();
    const distinct: number[] = [];
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i] as number);
    let cuts: number[];
    if (distinct.length <= maxBins) {
      cuts = [];
      for (let i = 0; i + 1 < distinct.length; i++) cuts.push(((distinct[i] as number) + (distinct[i + 1] as number)) / 2);
    } else {
      cuts = quantileCuts(sorted, maxBins);
    }
    thresholds.push(Float64Array.from(cuts));
    counts[c] = cuts.length + 1;
  }
  return { thresholds, counts };
}

function quantileCuts(sorted: Float64Array, maxBins: number): number[] {
  const cuts: number[] = [];
  const n = sorted.length;
  for (let b = 1; b < maxBins; b++) {
    const i = Math.min(n - 1, Math.floor((b * n) / maxBins));
    const lo = sorted[i - 1] as number;
    const hi = sorted[i] as number;
    if (hi === lo) continue; // a run of equal values stays in one bin
    const cut = (lo + hi) / 2;
    if (cuts.length === 0 || cut > (cuts[cuts.length - 1] as number)) cuts.push(cut);
  }
  return cuts;
}

/** Bin number of one value: the first b with v ≤ thresholds[b], else the last bin. */
export function binOf(thresholds: Float64Array, v: number): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= (thresholds[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function applyBins(x: Matrix, fb: FeatureBins): BinnedMatrix {
  const bins = new Uint8Array(x.rows * x.cols);
  for (let c = 0; c < x.cols; c++) {
    const t = fb.thresholds[c] as Float64Array;
    const base = c * x.rows;
    for (let r = 0; r < x.rows; r++) bins[base + r] = binOf(t, x.data[r * x.cols + c] as number);
  }
  return { rows: x.rows, cols: x.cols, bins };
}
