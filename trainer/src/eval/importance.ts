/**
 * Permutation feature importance (Breiman; scikit-learn's permutation_importance) on validation
 * rows: shuffle one column, breaking its link to the target, and measure how much the metric
 * worsens. Works for any FittedModel. Positive = the model relies on the feature.
 */
import type { FittedModel, Matrix } from '../models/learner.ts';
import { mulberry32 } from '../random.ts';
import { metricByName, type Metric } from './metrics.ts';

export interface ImportanceOptions {
  /** Shuffles per feature; default 5. */
  repeats?: number;
  /** Default 0. */
  seed?: number;
  /** Names for the columns; `x<j>` where missing. */
  columnNames?: readonly string[];
}

export interface FeatureImportance {
  feature: string;
  /** Column index in the design matrix. */
  index: number;
  /** Mean metric drop over the repeats (in the metric's units, sign-adjusted so worse = positive). */
  mean: number;
  /** Population standard deviation of the drop over the repeats. */
  std: number;
}

/** Importances sorted by mean drop, largest first (ties by column index). */
export function permutationImportance(
  model: FittedModel,
  x: Matrix,
  y: Float64Array,
  metric: Metric | string,
  opts: ImportanceOptions = {},
): FeatureImportance[] {
  const m = typeof metric === 'string' ? metricByName(metric) : metric;
  const repeats = Math.max(1, opts.repeats ?? 5);
  const rng = mulberry32(opts.seed ?? 0);
  const { rows, cols } = x;
  const base = m.fn(y, model.predict(x));
  const work: Matrix = { data: Float64Array.from(x.data), rows, cols };
  const column = new Float64Array(rows);
  const drops = new Float64Array(repeats);
  const out: FeatureImportance[] = [];
  for (let j = 0; j < cols; j++) {
    for (let r = 0; r < rows; r++) column[r] = x.data[r * cols + j] as number;
    for (let k = 0; k < repeats; k++) {
      for (let i = rows - 1; i > 0; i--) {
        const s = Math.floor(rng() * (i + 1));
        const t = column[i] as number;
        column[i] = column[s] as number;
        column[s] = t;
      }
      for (let r = 0; r < rows; r++) work.data[r * cols + j] = column[r] as number;
      const score = m.fn(y, model.predict(work));
      drops[k] = m.higherIsBetter ? base - score : score - base;
    }
    for (let r = 0; r < rows; r++) work.data[r * cols + j] = x.data[r * cols + j] as number;
    let mean = 0;
    for (let k = 0; k < repeats; k++) mean += drops[k] as number;
    mean /= repeats;
    let v = 0;
    for (let k = 0; k < repeats; k++) v += ((drops[k] as number) - mean) ** 2;
    out.push({ feature: opts.columnNames?.[j] ?? `x${j}`, index: j, mean, std: Math.sqrt(v / repeats) });
  }
  return out.sort((a, b) => b.mean - a.mean || a.index - b.index);
}
