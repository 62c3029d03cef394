import type { LinearModel } from '../models/ridge.ts';
import type { Pipeline } from '../preprocess/pipeline.ts';
import { GraphBuilder } from './graph-builder.ts';

export const PREDICTION_OUTPUT = 'prediction';
const ML = 'ai.onnx.ml';

/**
 * Appends the preprocessing pipeline to a graph and returns the name of the [N, width] float
 * feature tensor. One graph input per raw feature, named as the CSV column, shape [N, 1]:
 * numeric inputs are float (NaN = missing), string inputs are strings ('' = missing).
 * Column order: numeric features in CSV order, then each string feature's sorted categories.
 */
export function addPreprocessing(g: GraphBuilder, p: Pipeline): string {
  const parts: string[] = [];
  if (p.numeric.length > 0) {
    const raw = p.numeric.map((s) => g.input(s.name, 'float', ['N', 1]));
    const stacked =
      raw.length === 1 ? (raw[0] as string) : g.op('Concat', raw, { attrs: { axis: { int: 1 } }, hint: 'numeric' });
    const k = p.numeric.length;
    const medians = g.floats(
      'impute_median',
      p.numeric.map((s) => s.median),
      [1, k],
    );
    const means = g.floats(
      'scale_mean',
      p.numeric.map((s) => s.mean),
      [1, k],
    );
    const stds = g.floats(
      'scale_std',
      p.numeric.map((s) => s.std),
      [1, k],
    );
    const isNan = g.op('IsNaN', [stacked], { hint: 'is_missing' });
    const imputed = g.op('Where', [isNan, medians, stacked], { hint: 'imputed' });
    parts.push(g.op('Div', [g.op('Sub', [imputed, means], { hint: 'centred' }), stds], { hint: 'scaled' }));
  }
  for (const o of p.oneHot) {
    const input = g.input(o.name, 'string', ['N', 1]);
    // zeros=1: an unseen category (or '') encodes as all zeros instead of failing.
    const hot = g.op('OneHotEncoder', [input], {
      domain: ML,
      attrs: { cats_strings: { strings: o.categories }, zeros: { int: 1 } },
      hint: `${o.name}_onehot`,
    });
    g.declare(hot, 'float', ['N', 1, o.categories.length]);
    const shape = g.ints(`${o.name}_shape`, [-1, o.categories.length], [2]);
    parts.push(g.op('Reshape', [hot, shape], { hint: `${o.name}_flat` }));
  }
  return parts.length === 1
    ? (parts[0] as string)
    : g.op('Concat', parts, { attrs: { axis: { int: 1 } }, hint: 'features' });
}

/** The whole linear model as ONNX: raw inputs → preprocessing → MatMul + Add → `prediction` [N, 1]. */
export function exportLinearOnnx(p: Pipeline, model: LinearModel, name: string): Uint8Array {
  const g = new GraphBuilder(name);
  const features = addPreprocessing(g, p);
  const w = g.floats('linear_weights', model.weights, [p.width, 1]);
  const b = g.floats('linear_bias', [model.intercept], [1]);
  const product = g.op('MatMul', [features, w], { hint: 'linear' });
  g.node('Add', [product, b], { outputs: [PREDICTION_OUTPUT] });
  g.output(PREDICTION_OUTPUT, 'float', ['N', 1]);
  return g.toBytes({
    docString: `${name}: ridge regression with median imputation, standard scaling and one-hot encoding`,
  });
}
