/**
 * MLP head: one dense layer per fitted layer (MatMul / Add / Relu), the output activation as the
 * learner's (identity, sigmoid, softmax). A regression network learned standardised targets: the
 * last layer is rescaled here (W·yStd, b·yStd + yMean) so the graph outputs the target directly.
 * A network fitted on standardised inputs (`standardize` in its JSON) gets Sub / Div before its
 * first layer (standardizedDesign), and its weights are stored (float or int8) as learned.
 */
import { emitDense, type DenseActivation } from '../dense.ts';
import { binaryFromLogit, headError, numbers, standardizedDesign, type HeadContext } from './common.ts';

interface LayerJSON {
  weights: unknown;
  bias: unknown;
  activation: unknown;
}

const ACTIVATIONS: readonly string[] = ['identity', 'relu', 'sigmoid', 'softmax'];

export function mlpHead(h: HeadContext, design: string, json: unknown): string {
  const j = json as { layers?: unknown; yMean?: unknown; yStd?: unknown };
  const layers = Array.isArray(j.layers) ? (j.layers as LayerJSON[]) : [];
  if (layers.length === 0) throw headError('an MLP needs at least one layer');
  let x = standardizedDesign(h, design, json);
  let inSize = h.width;
  layers.forEach((layer, l) => {
    const bias = numbers(layer.bias, `mlp layer ${l} bias`);
    const out = bias.length;
    const weights = numbers(layer.weights, `mlp layer ${l} weights`, inSize * out);
    const activation = String(layer.activation);
    if (!ACTIVATIONS.includes(activation)) throw headError(`mlp layer ${l}: unknown activation ${activation}`);
    if (l === layers.length - 1 && h.task === 'regression') {
      if (out !== 1 || activation !== 'identity') throw headError('a regression MLP ends in one identity unit');
      const std = typeof j.yStd === 'number' ? j.yStd : 1;
      const mean = typeof j.yMean === 'number' ? j.yMean : 0;
      for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) * std;
      bias[0] = (bias[0] as number) * std + mean;
    }
    // A binary network's sigmoid unit is applied by binaryFromLogit, on the logit.
    const act =
      l === layers.length - 1 && h.task === 'binary' && activation === 'sigmoid'
        ? 'identity'
        : (activation as DenseActivation);
    x = emitDense(h.g, x, weights, bias, {
      in: inSize,
      out,
      activation: act,
      name: `${h.prefix}_layer${l}`,
      ...(h.quant ? { quant: h.quant } : {}),
    });
    inSize = out;
  });
  const want = h.task === 'multiclass' ? h.classes : 1;
  if (inSize !== want) throw headError(`the MLP has ${inSize} outputs, the task needs ${want}`);
  if (h.task === 'binary' && String(layers[layers.length - 1]?.activation) !== 'sigmoid')
    throw headError('a binary MLP ends in a sigmoid unit');
  return h.task === 'binary' ? binaryFromLogit(h, x) : x;
}
