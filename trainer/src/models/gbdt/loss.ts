/**
 * The boosting losses on raw scores (row-major n × K, K = 1 except multiclass): base score,
 * per-row gradient and hessian, and the mean loss used for early stopping.
 *   squared error  ½(f − y)²           g = f − y, h = 1 (constant: the grower uses counts)
 *   log loss       binary cross-entropy g = p − y, h = p(1 − p), p = σ(f)
 *   softmax        categorical CE       g_k = p_k − [y = k], h_k = p_k(1 − p_k)
 */
import type { Task } from '../learner.ts';

export type LossKind = 'squared_error' | 'log_loss' | 'softmax';

export function lossFor(task: Task): LossKind {
  return task === 'regression' ? 'squared_error' : task === 'binary' ? 'log_loss' : 'softmax';
}

const EPS = 1e-15;

/** The constant start: mean (regression), log-odds of the prior (binary), log priors (softmax). */
export function baseScores(loss: LossKind, y: Float64Array, k: number): Float64Array {
  const n = y.length;
  const base = new Float64Array(k);
  if (loss === 'squared_error') {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i] as number;
    base[0] = s / n;
  } else if (loss === 'log_loss') {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i] as number;
    const p = Math.min(1 - EPS, Math.max(EPS, s / n));
    base[0] = Math.log(p / (1 - p));
  } else {
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) counts[y[i] as number] = (counts[y[i] as number] as number) + 1;
    for (let c = 0; c < k; c++) base[c] = Math.log(Math.max(EPS, (counts[c] as number) / n));
  }
  return base;
}

/**
 * Writes gradients (and hessians, except for squared error) of every output from the current raw
 * scores. `grad[c]`, `hess[c]` are length-n arrays for output c.
 */
export function computeGradients(
  loss: LossKind,
  y: Float64Array,
  raw: Float64Array,
  k: number,
  grad: Float64Array[],
  hess: Float64Array[],
): void {
  const n = y.length;
  if (loss === 'squared_error') {
    const g = grad[0] as Float64Array;
    for (let i = 0; i < n; i++) g[i] = (raw[i] as number) - (y[i] as number);
  } else if (loss === 'log_loss') {
    const g = grad[0] as Float64Array;
    const h = hess[0] as Float64Array;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(raw[i] as number)));
      g[i] = p - (y[i] as number);
      h[i] = p * (1 - p);
    }
  } else {
    const p = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      softmaxRow(raw, i * k, k, p);
      const label = y[i] as number;
      for (let c = 0; c < k; c++) {
        const pc = p[c] as number;
        (grad[c] as Float64Array)[i] = pc - (c === label ? 1 : 0);
        (hess[c] as Float64Array)[i] = pc * (1 - pc);
      }
    }
  }
}

/** Mean loss of raw scores against labels (MSE for squared error, for a scale-free stopping rule). */
export function meanLoss(loss: LossKind, y: Float64Array, raw: Float64Array, k: number): number {
  const n = y.length;
  let s = 0;
  if (loss === 'squared_error') {
    for (let i = 0; i < n; i++) s += ((raw[i] as number) - (y[i] as number)) ** 2;
  } else if (loss === 'log_loss') {
    for (let i = 0; i < n; i++) {
      const f = raw[i] as number;
      // log(1 + e^f) − y·f, written to stay finite for large |f|.
      s += Math.max(f, 0) + Math.log1p(Math.exp(-Math.abs(f))) - (y[i] as number) * f;
    }
  } else {
    const p = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      softmaxRow(raw, i * k, k, p);
      s -= Math.log(Math.max(EPS, p[y[i] as number] as number));
    }
  }
  return s / n;
}

function softmaxRow(raw: Float64Array, o: number, k: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, raw[o + c] as number);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += out[c] = Math.exp((raw[o + c] as number) - max);
  for (let c = 0; c < k; c++) out[c] = (out[c] as number) / sum;
}
