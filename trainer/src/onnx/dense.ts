import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { ElemType, type GraphBuilder } from './graph-builder.ts';
import { quantizeSymmetric, type QuantGranularity } from './quantize.ts';

/**
 * A dense layer y = act(x·W + b) as ONNX nodes, float or with int8 weights:
 * - 'float': Gemm(x, W, b), float32 weights and biases.
 * - 'int8-qdq': int8 weight initializer → DequantizeLinear (zero point omitted = 0) → float Gemm.
 *   Activations stay float; only the file shrinks.
 * - 'int8-dynamic': DynamicQuantizeLinear on x (uint8, per batch) → MatMulInteger with the int8
 *   weights → Cast to float → × (x_scale · w_scale) → Add bias.
 * An int8 mode given as `Int8Storage` also says how: scale granularity (per tensor by default, or
 * per output column on the op's default axis 1) and bias storage (BiasStorage);
 * 'int8-qdq-per-channel' is short for { mode: 'int8-qdq', granularity: 'per-channel' }. A float
 * model's bias stays float32. Gemm computes exactly what MatMul + Add does in onnxruntime-web and -node
 * (bench/quantization.ts), in one node instead of two.
 */
export type Int8Mode = 'int8-qdq' | 'int8-dynamic';

export interface Int8Storage {
  mode: Int8Mode;
  granularity?: QuantGranularity;
  bias?: BiasStorage;
}

export type DenseQuant = 'float' | Int8Mode | 'int8-qdq-per-channel' | Int8Storage;

function storageOf(quant: DenseQuant): {
  mode: 'float' | Int8Mode;
  granularity?: QuantGranularity;
  bias?: BiasStorage;
} {
  if (quant === 'int8-qdq-per-channel') return { mode: 'int8-qdq', granularity: 'per-channel' };
  return typeof quant === 'string' ? { mode: quant } : quant;
}

export type DenseActivation = 'identity' | 'relu' | 'sigmoid' | 'softmax';

/**
 * How an int8 layer stores its bias:
 * - 'float': float32;
 * - 'float16': IEEE half behind a Cast to float (relative error ≤ 2⁻¹¹), kept float32 when a value
 *   exceeds the half range or the layer is too narrow for the Cast node to pay (< 16 outputs);
 * - 'int8': symmetric int8 behind a DequantizeLinear, on the weights' scale initializer when every
 *   |b| fits in ±127 steps of it (error ≤ half a weight step), else on a per-tensor scale of its
 *   own (error ≤ max|b| / 254); kept float32 when the layer is too narrow for the node to pay
 *   (< 16 outputs). Its error is the same on every row, unlike the weights'.
 */
export type BiasStorage = 'float' | 'float16' | 'int8';

/** Below this many outputs a Cast / DequantizeLinear node costs more bytes than it saves on the bias. */
export const MIN_COMPACT_BIAS = 16;
const FLOAT16_MAX = 65504;

export interface DenseOptions {
  in: number;
  out: number;
  activation?: DenseActivation;
  quant?: DenseQuant;
  /**
   * Prefix of the layer's tensor names (default `dense_<input>`); must be unique in the graph when
   * the builder keeps readable names (in short naming it is only a hint).
   */
  name?: string;
  /** Scale granularity for the int8 modes (overrides `quant`'s; default per-tensor: bench/quantization.ts). */
  granularity?: QuantGranularity;
  /** Bias storage in the int8 modes (overrides `quant`'s; default 'int8': bench/quantization.ts). */
  bias?: BiasStorage;
  /** Names the layer's output tensor (e.g. a graph output) instead of a generated name. */
  output?: string;
  /** x·W + b as one Gemm node (default) or MatMul then Add. */
  form?: 'gemm' | 'matmul';
  /** int8 bias: on the weights' scale initializer when it fits (default true). */
  shareScale?: boolean;
}

export const DEFAULT_GRANULARITY: QuantGranularity = 'per-tensor';
export const DEFAULT_BIAS_STORAGE: BiasStorage = 'int8';

/**
 * The bias tensor of an int8 layer. `shared` is the weights' scale (initializer name and values,
 * one per tensor or one per output), used for the bias too when every |b| fits in ±127 of it.
 */
function biasTensor(
  builder: GraphBuilder,
  bias: Float64Array,
  name: string,
  storage: BiasStorage,
  shared: { tensor: string; scales: Float32Array } | null,
): string {
  const out = bias.length;
  if (storage === 'float16' && out >= MIN_COMPACT_BIAS && bias.every((b) => Math.abs(Math.fround(b)) <= FLOAT16_MAX)) {
    return builder.op('Cast', [builder.halves(`${name}_b16`, bias, [out])], {
      attrs: { to: { int: ElemType.float } },
      hint: `${name}_b`,
    });
  }
  if (storage === 'int8' && out >= MIN_COMPACT_BIAS) {
    if (shared) {
      const perChannel = shared.scales.length > 1;
      const scaleOf = (j: number): number => shared.scales[perChannel ? j : 0] as number;
      if (bias.every((b, j) => Math.abs(Math.fround(b)) <= 127 * scaleOf(j))) {
        const q = Int8Array.from(bias, (b, j) =>
          Math.max(-127, Math.min(127, Math.round(Math.fround(b) / scaleOf(j)))),
        );
        // A 1-D bias is dequantized along its only axis (0) when the scales are per channel.
        return builder.op('DequantizeLinear', [builder.bytes(`${name}_bq`, 'int8', q, [out]), shared.tensor], {
          hint: `${name}_b`,
          ...(perChannel ? { attrs: { axis: { int: 0 } } } : {}),
        });
      }
    }
    const { q, scales } = quantizeSymmetric(bias, 1, out, 'per-tensor');
    return builder.op(
      'DequantizeLinear',
      [builder.bytes(`${name}_bq`, 'int8', q, [out]), builder.floats(`${name}_bscale`, scales, [])],
      { hint: `${name}_b` },
    );
  }
  return builder.floats(`${name}_b`, bias, [out]);
}

/** int8 weights and their scale initializer (a scalar per tensor, or [out] per channel). */
function int8Weights(
  builder: GraphBuilder,
  weights: Float64Array,
  inDim: number,
  outDim: number,
  granularity: QuantGranularity,
  name: string,
): { wq: string; wScale: string; scales: Float32Array } {
  const { q, scales } = quantizeSymmetric(weights, inDim, outDim, granularity);
  const perChannel = scales.length > 1;
  const wq = builder.bytes(`${name}_Wq`, 'int8', q, [inDim, outDim]);
  return { wq, wScale: builder.floats(`${name}_Wscale`, scales, perChannel ? [outDim] : []), scales };
}

/** Appends the layer to `builder` and returns the name of its [N, out] float output tensor. */
export function emitDense(
  builder: GraphBuilder,
  input: string,
  weights: Float64Array,
  bias: Float64Array,
  opts: DenseOptions,
): string {
  const { in: inDim, out: outDim } = opts;
  if (weights.length !== inDim * outDim || bias.length !== outDim) {
    throw trainerError(
      TrainerErrorCodes.ONNX_GRAPH_INVALID,
      `dense layer: ${weights.length} weights and ${bias.length} biases for ${inDim}→${outDim}`,
      { in: inDim, out: outDim },
    );
  }
  // Derived from the input name (not a counter) so the same calls always give the same bytes.
  const name = opts.name ?? `dense_${input}`;
  const storage = storageOf(opts.quant ?? 'float');
  const quant = storage.mode;
  const granularity = opts.granularity ?? storage.granularity ?? DEFAULT_GRANULARITY;
  const activation = opts.activation ?? 'identity';
  const last = (hint: string): { outputs?: string[]; hint: string } =>
    opts.output !== undefined ? { outputs: [opts.output], hint } : { hint };
  const sumOptions = activation === 'identity' ? last(`${name}_sum`) : { hint: `${name}_sum` };
  const biasStorage = opts.bias ?? storage.bias ?? DEFAULT_BIAS_STORAGE;
  let sum: string;
  if (quant === 'int8-dynamic') {
    const { wq, wScale, scales } = int8Weights(builder, weights, inDim, outDim, granularity, name);
    const [xq, xScale, xZero] = builder.node('DynamicQuantizeLinear', [input], { count: 3, hint: `${name}_xq` }) as [
      string,
      string,
      string,
    ];
    const acc = builder.op('MatMulInteger', [xq, wq, xZero], { hint: `${name}_matmul_int` });
    const accF = builder.op('Cast', [acc], { attrs: { to: { int: ElemType.float } }, hint: `${name}_acc` });
    const scale = builder.op('Mul', [xScale, wScale], { hint: `${name}_scale` });
    const product = builder.op('Mul', [accF, scale], { hint: `${name}_matmul` });
    const b = biasTensor(
      builder,
      bias,
      name,
      biasStorage,
      opts.shareScale === false ? null : { tensor: wScale, scales },
    );
    sum = builder.op('Add', [product, b], sumOptions);
  } else {
    let w: string;
    let b: string;
    if (quant === 'float') {
      w = builder.floats(`${name}_W`, weights, [inDim, outDim]);
      b = builder.floats(`${name}_b`, bias, [outDim]);
    } else {
      const { wq, wScale, scales } = int8Weights(builder, weights, inDim, outDim, granularity, name);
      // Per-channel: DequantizeLinear's default axis (1) is the output axis of an [in, out] matrix.
      w = builder.op('DequantizeLinear', [wq, wScale], { hint: `${name}_W` });
      b = biasTensor(builder, bias, name, biasStorage, opts.shareScale === false ? null : { tensor: wScale, scales });
    }
    if ((opts.form ?? 'gemm') === 'gemm') {
      sum = builder.op('Gemm', [input, w, b], sumOptions);
    } else {
      sum = builder.op('Add', [builder.op('MatMul', [input, w], { hint: `${name}_matmul` }), b], sumOptions);
    }
  }
  switch (activation) {
    case 'identity':
      return sum;
    case 'relu':
      return builder.op('Relu', [sum], last(`${name}_relu`));
    case 'sigmoid':
      return builder.op('Sigmoid', [sum], last(`${name}_sigmoid`));
    case 'softmax':
      return builder.op('Softmax', [sum], { attrs: { axis: { int: -1 } }, ...last(`${name}_softmax`) });
  }
}
