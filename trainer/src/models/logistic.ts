/**
 * L2-regularised logistic regression: sigmoid for binary, multinomial softmax for multiclass,
 * fitted by L-BFGS. The objective is scikit-learn's (lbfgs solver)
 *   C · Σ loss_i + ½‖W‖²   (intercept not penalised)
 * divided by C·n, which has the same minimiser but a gradient whose size does not grow with n, so
 * `tol` (on max |∇|) means the same thing for any data size.
 */
import { checkParam, classCount } from './baseline.ts';
import { lbfgs, sharedEvaluation } from './lbfgs.ts';
import type { LogisticSaved } from '../model/saved.ts';
import type { FitContext, FittedModel, Learner, Matrix } from './learner.ts';

export interface LogisticParams {
  /** Inverse regularisation strength, as scikit-learn's C. */
  C: number;
  max_iter: number;
  /** Convergence tolerance on max |∇| of the per-row objective. */
  tol: number;
}

export class LogisticFitted implements FittedModel<LogisticSaved> {
  readonly kind = 'logistic';
  /**
   * @param weights row-major cols × k, k = 1 (binary) or the number of classes.
   * @param classes the number of classes (2 for binary).
   */
  constructor(
    readonly weights: Float64Array,
    readonly intercept: Float64Array,
    readonly cols: number,
    readonly classes: number,
    readonly iterations: number,
    readonly converged: boolean,
  ) {}

  /** Raw scores (logits), row-major rows × k. */
  decision(x: Matrix): Float64Array {
    const k = this.intercept.length;
    const out = new Float64Array(x.rows * k);
    linearScores(x.data, x.rows, this.cols, this.weights, this.intercept, k, out);
    return out;
  }

  predict(x: Matrix): Float64Array {
    const z = this.decision(x);
    if (this.intercept.length === 1) {
      for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i] as number);
      return z;
    }
    const k = this.intercept.length;
    for (let r = 0; r < x.rows; r++) softmaxInPlace(z, r * k, k);
    return z;
  }

  toJSON(): LogisticSaved {
    const k = this.intercept.length;
    const weights: number[][] = [];
    for (let j = 0; j < this.cols; j++) weights.push(Array.from(this.weights.subarray(j * k, (j + 1) * k)));
    return {
      kind: 'logistic',
      weights,
      intercept: Array.from(this.intercept),
      classes: Array.from({ length: this.classes }, (_, c) => c),
    };
  }
}

export const logisticLearner: Learner<LogisticParams> = {
  name: 'logistic',
  tasks: ['binary', 'multiclass'],
  defaults: { C: 1, max_iter: 100, tol: 1e-4 },
  async fit(x, y, params, ctx) {
    const p = { ...logisticLearner.defaults, ...params };
    checkParam(Number.isFinite(p.C) && p.C > 0, 'logistic', 'C', p.C, 'a finite number > 0');
    checkParam(Number.isInteger(p.max_iter) && p.max_iter > 0, 'logistic', 'max_iter', p.max_iter, 'an integer > 0');
    checkParam(p.tol >= 0, 'logistic', 'tol', p.tol, '≥ 0');
    return fitLogistic(x, y, p, ctx);
  },
};

function fitLogistic(x: Matrix, y: Float64Array, p: LogisticParams, ctx: FitContext): LogisticFitted {
  const classes = classCount(y, ctx);
  const k = ctx.task === 'binary' ? 1 : classes; // binary: one logit for class 1
  const d = x.cols;
  const nw = d * k;
  const fg = logisticObjective(x, y, k, 1 / (p.C * x.rows));
  const { f, grad } = sharedEvaluation(fg, nw + k);
  const res = lbfgs(f, grad, new Float64Array(nw + k), { maxIter: p.max_iter, tol: p.tol });
  return new LogisticFitted(res.x.slice(0, nw), res.x.slice(nw), d, classes, res.iterations, res.converged);
}

/**
 * Value and gradient of mean log loss + (lambda/2)‖W‖² over θ = [W (d×k row-major), b (k)].
 * Exported for tests, which check the gradient at the fitted optimum.
 */
export function logisticObjective(
  x: Matrix,
  y: Float64Array,
  k: number,
  lambda: number,
): (theta: Float64Array, grad: Float64Array) => number {
  const d = x.cols;
  const n = x.rows;
  const nw = d * k;
  const z = new Float64Array(k);
  return (theta, g) => {
    g.fill(0);
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const o = r * d;
      const label = y[r] as number;
      for (let c = 0; c < k; c++) z[c] = theta[nw + c] as number;
      for (let j = 0; j < d; j++) {
        const v = x.data[o + j] as number;
        if (v === 0) continue;
        for (let c = 0; c < k; c++) z[c] = (z[c] as number) + v * (theta[j * k + c] as number);
      }
      if (k === 1) {
        const s = z[0] as number;
        loss += softplus(s) - label * s;
        z[0] = sigmoid(s) - label; // residual, reused below
      } else {
        const zy = z[label] as number;
        loss += softmaxInPlace(z, 0, k) - zy;
        z[label] = (z[label] as number) - 1;
      }
      for (let c = 0; c < k; c++) g[nw + c] = (g[nw + c] as number) + (z[c] as number);
      for (let j = 0; j < d; j++) {
        const v = x.data[o + j] as number;
        if (v === 0) continue;
        for (let c = 0; c < k; c++) g[j * k + c] = (g[j * k + c] as number) + v * (z[c] as number);
      }
    }
    let penalty = 0;
    for (let i = 0; i < nw + k; i++) g[i] = (g[i] as number) / n;
    for (let i = 0; i < nw; i++) {
      const w = theta[i] as number;
      penalty += w * w;
      g[i] = (g[i] as number) + lambda * w;
    }
    return loss / n + 0.5 * lambda * penalty;
  };
}

function linearScores(
  data: Float64Array,
  rows: number,
  d: number,
  w: Float64Array,
  b: Float64Array,
  k: number,
  out: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    out.set(b, o);
    for (let j = 0; j < d; j++) {
      const v = data[r * d + j] as number;
      for (let c = 0; c < k; c++) out[o + c] = (out[o + c] as number) + v * (w[j * k + c] as number);
    }
  }
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + eᶻ) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Replaces a[o..o+k) by its softmax; returns the log-sum-exp of the original values. */
export function softmaxInPlace(a: Float64Array, o: number, k: number): number {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, a[o + c] as number);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp((a[o + c] as number) - max);
    a[o + c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) a[o + c] = (a[o + c] as number) / sum;
  return max + Math.log(sum);
}
