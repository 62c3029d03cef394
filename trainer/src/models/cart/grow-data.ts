/**
 * What the CART grower reads: the binned design matrix, per-row weights (bootstrap counts in a
 * forest, 1 for a plain tree) and the target, laid out for the histogram passes.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import type { WideBinnedMatrix } from '../binner.ts';

export interface GrowData {
  rows: number;
  cols: number;
  /** Column-major bin numbers: bins[c · rows + r] (binner.ts, up to EXACT_MAX_BINS per column). */
  bins: Uint16Array;
  /** Regression target (unused for classification). */
  y: Float64Array;
  /** Class labels 0..classes−1 (empty for regression). */
  labels: Uint16Array;
  /** 0 for regression. */
  classes: number;
  weight: Float64Array;
  /** weight · y, precomputed for the regression histograms. */
  wy: Float64Array;
  /** Per feature, the value of each bin when bins are exact (binner.ts `FeatureBins.values`). */
  values?: readonly (Float64Array | null)[];
}

/** Integer labels 0..k−1 from the float targets; throws MODEL_LABELS_INVALID otherwise. */
export function classLabels(y: Float64Array, classes: number, learner: string): Uint16Array {
  if (!(Number.isInteger(classes) && classes >= 2 && classes <= 65535)) {
    throw trainerError(TrainerErrorCodes.MODEL_LABELS_INVALID, `${learner}: need ≥ 2 classes, got ${classes}`, {
      classes,
    });
  }
  const labels = new Uint16Array(y.length);
  for (let r = 0; r < y.length; r++) {
    const v = y[r] as number;
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw trainerError(
        TrainerErrorCodes.MODEL_LABELS_INVALID,
        `${learner}: label ${v} at row ${r} is not an integer in 0..${classes - 1}`,
        { row: r, label: v },
      );
    }
    labels[r] = v;
  }
  return labels;
}

/** Number of classes: ctx.classes when given, else max label + 1. */
export function classCount(y: Float64Array, given: number | undefined): number {
  if (given !== undefined) return given;
  let max = 0;
  for (let r = 0; r < y.length; r++) max = Math.max(max, y[r] as number);
  return Math.max(2, Math.floor(max) + 1);
}

export function growData(
  bm: WideBinnedMatrix,
  y: Float64Array,
  labels: Uint16Array,
  classes: number,
  weight: Float64Array,
  values?: readonly (Float64Array | null)[],
): GrowData {
  const wy = new Float64Array(bm.rows);
  if (classes === 0) for (let r = 0; r < bm.rows; r++) wy[r] = (weight[r] as number) * (y[r] as number);
  return { rows: bm.rows, cols: bm.cols, bins: bm.bins, y, labels, classes, weight, wy, ...(values ? { values } : {}) };
}
