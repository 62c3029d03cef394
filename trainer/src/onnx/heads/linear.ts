/**
 * Linear heads: ridge regression (MatMul + Add) and logistic regression (MatMul + Add, then
 * [σ(−z), σ(z)] for binary or Softmax for multiclass), via the shared dense-layer emitter. A
 * logistic model fitted on standardised inputs (`standardize` in its JSON) gets Sub / Div before
 * its layer (standardizedDesign), and its weights are stored (float or int8) as learned.
 */
import { emitDense } from '../dense.ts';
import { binaryFromLogit, headError, numbers, standardizedDesign, type HeadContext } from './common.ts';

export function linearHead(h: HeadContext, design: string, json: unknown): string {
  const j = json as { weights?: unknown; intercept?: unknown };
  if (h.task !== 'regression') throw headError('a linear model is a regression model', { task: h.task });
  const weights = numbers(j.weights, 'linear weights', h.width);
  const bias = numbers([j.intercept], 'linear intercept', 1);
  return emitDense(h.g, design, weights, bias, {
    in: h.width,
    out: 1,
    name: `${h.prefix}_linear`,
    ...(h.quant ? { quant: h.quant } : {}),
  });
}

export function logisticHead(h: HeadContext, design: string, json: unknown): string {
  const j = json as { weights?: unknown; intercept?: unknown };
  if (h.task === 'regression') throw headError('a logistic model is a classification model');
  const k = h.task === 'binary' ? 1 : h.classes;
  const rows = Array.isArray(j.weights) ? (j.weights as unknown[]) : [];
  if (rows.length !== h.width) throw headError(`logistic weights have ${rows.length} rows, expected ${h.width}`);
  const weights = new Float64Array(h.width * k);
  rows.forEach((r, i) => weights.set(numbers(r, `logistic weights row ${i}`, k), i * k));
  const bias = numbers(j.intercept, 'logistic intercept', k);
  const z = emitDense(h.g, standardizedDesign(h, design, json), weights, bias, {
    in: h.width,
    out: k,
    activation: k === 1 ? 'identity' : 'softmax',
    name: `${h.prefix}_logistic`,
    ...(h.quant ? { quant: h.quant } : {}),
  });
  return k === 1 ? binaryFromLogit(h, z) : z;
}
