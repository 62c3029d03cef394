/**
 * A fully connected network: ReLU hidden layers and one output activation, all parameters in one
 * flat vector. Buffers for a batch are allocated once (`Workspace`) and reused every step.
 */
import type { Rng } from '../../random.ts';
import { backward, forward, layout, type Activation, type DenseLayer } from './layers.ts';

export interface Workspace {
  capacity: number;
  /** Output of each layer, capacity × layer width. */
  acts: Float64Array[];
  /** ∂L/∂z of each layer, capacity × layer width. */
  deltas: Float64Array[];
}

export class Network {
  readonly layers: DenseLayer[];
  readonly params: Float64Array;

  constructor(
    readonly sizes: readonly number[],
    output: Activation,
    params?: Float64Array,
  ) {
    const { layers, count } = layout(sizes, output);
    this.layers = layers;
    this.params = params ?? new Float64Array(count);
  }

  /** He-uniform weights (limit √(6 / fan_in), suited to ReLU), zero biases. */
  initialise(rng: Rng): void {
    for (const l of this.layers) {
      const limit = Math.sqrt(6 / l.inSize);
      for (let i = 0; i < l.inSize * l.outSize; i++) this.params[l.wOff + i] = (2 * rng() - 1) * limit;
      this.params.fill(0, l.bOff, l.bOff + l.outSize);
    }
  }

  get outputs(): number {
    return this.sizes[this.sizes.length - 1] as number;
  }

  workspace(capacity: number): Workspace {
    const widths = this.layers.map((l) => l.outSize);
    return {
      capacity,
      acts: widths.map((w) => new Float64Array(capacity * w)),
      deltas: widths.map((w) => new Float64Array(capacity * w)),
    };
  }

  /** Runs `rows` rows of `x` (rows × inputs) through the network; returns the output buffer. */
  forward(x: Float64Array, rows: number, ws: Workspace): Float64Array {
    let input = x;
    for (let l = 0; l < this.layers.length; l++) {
      const out = ws.acts[l] as Float64Array;
      forward(this.layers[l] as DenseLayer, this.params, input, rows, out);
      input = out;
    }
    return ws.acts[this.layers.length - 1] as Float64Array;
  }

  /** Back-propagates the output delta already in `ws.deltas[last]`, accumulating into `grads`. */
  backward(x: Float64Array, rows: number, ws: Workspace, grads: Float64Array): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const input = l === 0 ? x : (ws.acts[l - 1] as Float64Array);
      backward(
        this.layers[l] as DenseLayer,
        this.params,
        input,
        ws.deltas[l] as Float64Array,
        rows,
        grads,
        l === 0 ? null : (ws.deltas[l - 1] as Float64Array),
      );
    }
  }

  /** Outputs for every row of `x`, in chunks so memory stays bounded. */
  predictAll(x: Float64Array, rows: number): Float64Array {
    const k = this.outputs;
    const inputs = this.sizes[0] as number;
    const out = new Float64Array(rows * k);
    const chunk = Math.min(rows, 512);
    const ws = this.workspace(Math.max(chunk, 1));
    for (let start = 0; start < rows; start += chunk) {
      const m = Math.min(chunk, rows - start);
      const y = this.forward(x.subarray(start * inputs, (start + m) * inputs), m, ws);
      out.set(y.subarray(0, m * k), start * k);
    }
    return out;
  }
}

/**
 * Sum over `rows` of the loss matching the output activation (½ squared error for identity, log
 * loss for sigmoid / softmax) of outputs `p` against targets `t`. When `delta` is given it receives
 * (p − t) / scale, the gradient of that loss with respect to the pre-activation.
 */
export function outputLoss(
  act: Activation,
  p: Float64Array,
  t: Float64Array,
  len: number,
  delta: Float64Array | null,
  scale: number,
): number {
  let loss = 0;
  for (let i = 0; i < len; i++) {
    const pi = p[i] as number;
    const ti = t[i] as number;
    if (act === 'identity') loss += 0.5 * (pi - ti) ** 2;
    else {
      const q = Math.min(Math.max(pi, 1e-15), 1 - 1e-15);
      loss -= act === 'sigmoid' ? ti * Math.log(q) + (1 - ti) * Math.log(1 - q) : ti === 0 ? 0 : ti * Math.log(q);
    }
    if (delta) delta[i] = (pi - ti) / scale;
  }
  return loss;
}
