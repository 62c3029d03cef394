import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { ElemType, type Attr, type GraphBuilder } from './graph-builder.ts';
import { quantizeSymmetric, type QuantGranularity } from './quantize.ts';

/**
 * A dense layer y = act(x·W + b) as ONNX nodes, float or with int8 weights:
 * - 'float': MatMul + Add.
 * - 'int8-qdq': int8 weight initializer → DequantizeLinear (per-output-channel scales, axis=1,
 *   zero point omitted = 0) → float MatMul. Activations stay float; only the file shrinks.
 * - 'int8-dynamic': DynamicQuantizeLinear on x (uint8, per batch) → MatMulInteger with the int8
 *   weights → Cast to float → × (x_scale · w_scale) → Add bias.
 * Biases stay float32 in every mode (they are a handful of values per layer).
 */
export type DenseQuant = 'float' | 'int8-qdq' | 'int8-dynamic';
export type DenseActivation = 'identity' | 'relu' | 'sigmoid' | 'softmax';

export interface DenseOptions {
  in: number;
  out: number;
  activation?: DenseActivation;
  quant?: DenseQuant;
  /** Prefix for initializer and node names (default `dense_<input>`); must be unique in the graph. */
  name?: string;
  /** Scale granularity for the int8 modes (default per-channel). */
  granularity?: QuantGranularity;
}

/** Appends the layer to `builder` and returns the name of its [N, out] float output tensor. */
export function emitDense(builder: GraphBuilder, input: string, weights: Float64Array, bias: Float64Array, opts: DenseOptions): string {
  const { in: inDim, out: outDim } = opts;
  if (weights.length !== inDim * outDim || bias.length !== outDim) {
    throw trainerError(TrainerErrorCodes.ONNX_GRAPH_INVALID, `dense layer: ${weights.length} weights and ${bias.length} biases for ${inDim}→${outDim}`, { in: inDim, out: outDim });
  }
  // Derived from the input name (not a counter) so the same calls always give the same bytes.
  const name = opts.name ?? `dense_${input}`;
  const quant = opts.quant ?? 'float';
  let product: string;
  if (quant === 'float') {
    product = builder.op('MatMul', [input, builder.floats(`${name}_W`, weights, [inDim, outDim])], { hint: `${name}_matmul` });
  } else {
    const granularity = opts.granularity ?? 'per-channel';
    const { q, scales } = quantizeSymmetric(weights, inDim, outDim, granularity);
    const perChannel = granularity === 'per-channel';
    const wq = builder.bytes(`${name}_Wq`, 'int8', q, [inDim, outDim]);
    const wScale = builder.floats(`${name}_Wscale`, scales, perChannel ? [outDim] : []);
    if (quant === 'int8-qdq') {
      const attrs: Record<string, Attr> = perChannel ? { axis: { int: 1 } } : {};
      const w = builder.op('DequantizeLinear', [wq, wScale], { attrs, hint: `${name}_W` });
      product = builder.op('MatMul', [input, w], { hint: `${name}_matmul` });
    } else {
      const [xq, xScale, xZero] = builder.node('DynamicQuantizeLinear', [input], { count: 3, hint: `${name}_xq` }) as [string, string, string];
      const acc = builder.op('MatMulInteger', [xq, wq, xZero], { hint: `${name}_matmul_int` });
      const accF = builder.op('Cast', [acc], { attrs: { to: { int: ElemType.float } }, hint: `${name}_acc` });
      const scale = builder.op('Mul', [xScale, wScale], { hint: `${name}_scale` });
      product = builder.op('Mul', [accF, scale], { hint: `${name}_matmul` });
    }
  }
  const sum = builder.op('Add', [product, builder.floats(`${name}_b`, bias, [outDim])], { hint: `${name}_sum` });
  switch (opts.activation ?? 'identity') {
    case 'identity':
      return sum;
    case 'relu':
      return builder.op('Relu', [sum], { hint: `${name}_relu` });
    case 'sigmoid':
      return builder.op('Sigmoid', [sum], { hint: `${name}_sigmoid` });
    case 'softmax':
      return builder.op('Softmax', [sum], { attrs: { axis: { int: -1 } }, hint: `${name}_softmax` });
  }
}
