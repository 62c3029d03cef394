/**
 * Fit on standardised inputs, return a model of the raw inputs. Logistic regression (L-BFGS) and
 * the MLP (Adam) need features of comparable scale, but a spec need not declare a `scale` step
 * (trees do not want one). The training mean / std are folded into the first layer — w' = w/σ,
 * b' = b − Σ μ·w/σ — so the fitted model keeps its learner's shape and the exporter sees nothing new.
 */
import type { FitContext, FittedModel, Learner, Matrix } from '../models/learner.ts';
import { LogisticFitted } from '../models/logistic.ts';
import { MlpFitted } from '../models/mlp/mlp.ts';

export interface Standardisation {
  mean: Float64Array;
  std: Float64Array;
}

export function standardisation(x: Matrix): Standardisation {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (data[i * cols + j] as number);
  for (let j = 0; j < cols; j++) mean[j] = rows > 0 ? (mean[j] as number) / rows : 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) std[j] = (std[j] as number) + ((data[i * cols + j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < cols; j++) {
    const s = rows > 0 ? Math.sqrt((std[j] as number) / rows) : 0;
    std[j] = s > 0 ? s : 1;
  }
  return { mean, std };
}

export function applyStandardisation(x: Matrix, s: Standardisation): Matrix {
  const out = new Float64Array(x.data.length);
  const { cols } = x;
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = ((x.data[i * cols + j] as number) - (s.mean[j] as number)) / (s.std[j] as number);
  }
  return { data: out, rows: x.rows, cols };
}

/** Folds the scaling into in × out row-major weights and their biases, in place. */
export function foldInto(weights: Float64Array, bias: Float64Array, cols: number, s: Standardisation): void {
  const out = bias.length;
  for (let j = 0; j < cols; j++) {
    const sd = s.std[j] as number;
    const mu = s.mean[j] as number;
    for (let o = 0; o < out; o++) {
      const w = (weights[j * out + o] as number) / sd;
      weights[j * out + o] = w;
      bias[o] = (bias[o] as number) - mu * w;
    }
  }
}

function fold(model: FittedModel, s: Standardisation, cols: number): FittedModel {
  if (model instanceof LogisticFitted) {
    const w = Float64Array.from(model.weights);
    const b = Float64Array.from(model.intercept);
    foldInto(w, b, cols, s);
    return new LogisticFitted(w, b, model.cols, model.classes, model.iterations, model.converged);
  }
  if (model instanceof MlpFitted) {
    const first = model.network.layers[0];
    if (!first) return model;
    const p = model.network.params;
    const w = p.subarray(first.wOff, first.wOff + first.inSize * first.outSize);
    const b = p.subarray(first.bOff, first.bOff + first.outSize);
    foldInto(w, b, cols, s); // subarrays: writes go into the network's parameters
    return model;
  }
  return model;
}

export function standardized<P extends object>(learner: Learner<P>): Learner<P> {
  return {
    name: learner.name,
    tasks: learner.tasks,
    defaults: learner.defaults,
    async fit(x, y, params, ctx) {
      const s = standardisation(x);
      const validation = ctx.validation ? { x: applyStandardisation(ctx.validation.x, s), y: ctx.validation.y } : undefined;
      const inner: FitContext = { ...ctx };
      delete inner.validation;
      if (validation) inner.validation = validation;
      const model = await learner.fit(applyStandardisation(x, s), y, params, inner);
      return fold(model, s, x.cols);
    },
  };
}
