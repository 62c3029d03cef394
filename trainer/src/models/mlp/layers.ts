/**
 * Dense-layer arithmetic for the MLP on flat Float64Arrays. All parameters live in one vector
 * (so Adam is a single loop); a layer is a view described by offsets. Weights are row-major
 * in × out, the layout the exporter writes as an ONNX MatMul initializer.
 */

export type Activation = 'relu' | 'identity' | 'sigmoid' | 'softmax';

export interface DenseLayer {
  inSize: number;
  outSize: number;
  /** Offset of the in × out weights in the parameter vector. */
  wOff: number;
  /** Offset of the out biases in the parameter vector. */
  bOff: number;
  activation: Activation;
}

/** Lays out layers for sizes [in, h1, …, out]; returns them and the parameter count. */
export function layout(sizes: readonly number[], output: Activation): { layers: DenseLayer[]; count: number } {
  const layers: DenseLayer[] = [];
  let off = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l] as number;
    const outSize = sizes[l + 1] as number;
    layers.push({
      inSize,
      outSize,
      wOff: off,
      bOff: off + inSize * outSize,
      activation: l + 2 === sizes.length ? output : 'relu',
    });
    off += inSize * outSize + outSize;
  }
  return { layers, count: off };
}

/** out[rows × outSize] = input[rows × inSize] · W + b, then the layer's activation. */
export function forward(
  layer: DenseLayer,
  params: Float64Array,
  input: Float64Array,
  rows: number,
  out: Float64Array,
): void {
  const { inSize: ni, outSize: no, wOff, bOff } = layer;
  for (let r = 0; r < rows; r++) {
    const o = r * no;
    for (let j = 0; j < no; j++) out[o + j] = params[bOff + j] as number;
    const ir = r * ni;
    for (let k = 0; k < ni; k++) {
      const a = input[ir + k] as number;
      if (a === 0) continue; // ReLU outputs are often exactly 0
      const w = wOff + k * no;
      for (let j = 0; j < no; j++) out[o + j] = (out[o + j] as number) + a * (params[w + j] as number);
    }
  }
  activate(layer.activation, out, rows, no);
}

export function activate(act: Activation, z: Float64Array, rows: number, width: number): void {
  const len = rows * width;
  if (act === 'relu') {
    for (let i = 0; i < len; i++) if ((z[i] as number) < 0) z[i] = 0;
  } else if (act === 'sigmoid') {
    for (let i = 0; i < len; i++) {
      const v = z[i] as number;
      z[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }
  } else if (act === 'softmax') {
    for (let o = 0; o < len; o += width) {
      let max = -Infinity;
      for (let c = 0; c < width; c++) max = Math.max(max, z[o + c] as number);
      let sum = 0;
      for (let c = 0; c < width; c++) sum += z[o + c] = Math.exp((z[o + c] as number) - max);
      for (let c = 0; c < width; c++) z[o + c] = (z[o + c] as number) / sum;
    }
  }
}

/**
 * Given delta = ∂L/∂z of this layer (rows × out), adds ∂L/∂W and ∂L/∂b into `grads` (which must be
 * zeroed by the caller) and, when `deltaPrev` is given, writes ∂L/∂z of the previous (ReLU) layer
 * into it, using that ReLU's output `input` (its derivative is 1 exactly where the output is > 0).
 */
export function backward(
  layer: DenseLayer,
  params: Float64Array,
  input: Float64Array,
  delta: Float64Array,
  rows: number,
  grads: Float64Array,
  deltaPrev: Float64Array | null,
): void {
  const { inSize: ni, outSize: no, wOff, bOff } = layer;
  for (let r = 0; r < rows; r++) {
    const o = r * no;
    const ir = r * ni;
    for (let j = 0; j < no; j++) grads[bOff + j] = (grads[bOff + j] as number) + (delta[o + j] as number);
    for (let k = 0; k < ni; k++) {
      const a = input[ir + k] as number;
      const w = wOff + k * no;
      if (a !== 0) for (let j = 0; j < no; j++) grads[w + j] = (grads[w + j] as number) + a * (delta[o + j] as number);
      if (deltaPrev) {
        if (a > 0) {
          let s = 0;
          for (let j = 0; j < no; j++) s += (delta[o + j] as number) * (params[w + j] as number);
          deltaPrev[ir + k] = s;
        } else deltaPrev[ir + k] = 0;
      }
    }
  }
}
