/**
 * The contract every learner implements. Learners work on the design matrix the preprocessing
 * pipeline produces — row-major Float64Array, no NaN — and are deterministic for a given seed.
 * A fitted model's `toJSON()` is its saved form (model/saved.ts), so the exporters can write it,
 * a run folder can keep it and a test can compare two fits byte for byte.
 */
import type { SavedModel } from '../model/saved.ts';
import type { Rng } from '../random.ts';

/** Row-major n × cols design matrix. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

export type Task = 'regression' | 'binary' | 'multiclass';

export interface FitContext {
  task: Task;
  /** Number of classes for classification (labels are 0..k-1 as floats in `y`). */
  classes?: number;
  seed: number;
  /** Held-out rows for early stopping; never the locked test rows. */
  validation?: { x: Matrix; y: Float64Array };
  /** Design-matrix column names, for importances and reports. */
  columnNames?: readonly string[];
  onProgress?: (message: string) => void;
}

export interface FittedModel<S extends SavedModel = SavedModel> {
  /** Its learner family in the registry (learners/registry.ts), e.g. 'gbdt'. */
  readonly kind: S['kind'];
  /**
   * Regression: the predicted value per row. Binary: P(class 1) per row. Multiclass: the
   * probability of each class, row-major n × classes.
   */
  predict(x: Matrix): Float64Array;
  /** The saved form: the fitted parameters (trees, weights, …) and the kind. */
  toJSON(): S;
}

export interface Learner<P extends object = Record<string, unknown>> {
  readonly name: string;
  readonly tasks: readonly Task[];
  readonly defaults: Readonly<P>;
  fit(x: Matrix, y: Float64Array, params: Partial<P>, ctx: FitContext): Promise<FittedModel>;
}

export function matrix(data: Float64Array, cols: number): Matrix {
  return { data, rows: cols === 0 ? 0 : data.length / cols, cols };
}

/** The rows `idx` of `m` as a new matrix. */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = new Float64Array(idx.length * m.cols);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i] as number;
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { data: out, rows: idx.length, cols: m.cols };
}

export type { Rng };
