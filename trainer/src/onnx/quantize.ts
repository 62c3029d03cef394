/**
 * Symmetric int8 weight quantization for dense layers (zero point 0, range ±127 so that −x is
 * always representable), per output channel or per tensor.
 */

export type QuantGranularity = 'per-channel' | 'per-tensor';

export interface QuantizedWeights {
  /** Same layout as the input: in×out row-major. */
  q: Int8Array;
  /** One scale per output column (per-channel) or a single scale (per-tensor). */
  scales: Float32Array;
}

const QMAX = 127;

function scaleOf(maxAbs: number): number {
  // An all-zero column still needs a positive scale: DequantizeLinear rejects nothing, but 0 is meaningless.
  return Math.fround(maxAbs > 0 ? maxAbs / QMAX : 1);
}

/** Quantizes `weights` (in×out row-major) to int8 with w ≈ q·scale. */
export function quantizeSymmetric(
  weights: ArrayLike<number>,
  inDim: number,
  outDim: number,
  granularity: QuantGranularity = 'per-channel',
): QuantizedWeights {
  const maxAbs = new Float64Array(granularity === 'per-channel' ? outDim : 1);
  for (let i = 0; i < inDim; i++) {
    for (let j = 0; j < outDim; j++) {
      const k = granularity === 'per-channel' ? j : 0;
      const a = Math.abs(Math.fround(weights[i * outDim + j] as number));
      if (a > (maxAbs[k] as number)) maxAbs[k] = a;
    }
  }
  const scales = Float32Array.from(maxAbs, scaleOf);
  const q = new Int8Array(inDim * outDim);
  for (let i = 0; i < inDim; i++) {
    for (let j = 0; j < outDim; j++) {
      const s = scales[granularity === 'per-channel' ? j : 0] as number;
      const v = Math.round(Math.fround(weights[i * outDim + j] as number) / s);
      q[i * outDim + j] = Math.max(-QMAX, Math.min(QMAX, v));
    }
  }
  return { q, scales };
}

/** The float weights the runtime reconstructs from a quantized layer (for error analysis and tests). */
export function dequantize(w: QuantizedWeights, inDim: number, outDim: number): Float32Array {
  const out = new Float32Array(inDim * outDim);
  const perChannel = w.scales.length === outDim && outDim > 1;
  for (let i = 0; i < inDim; i++) {
    for (let j = 0; j < outDim; j++)
      out[i * outDim + j] = (w.q[i * outDim + j] as number) * (w.scales[perChannel ? j : 0] as number);
  }
  return out;
}
