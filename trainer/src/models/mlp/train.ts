/**
 * The MLP's training loop: shuffled minibatches (seeded), back-propagation, L2 on weights as
 * scikit-learn adds it (½·alpha·‖W‖² / batch size), Adam, and early stopping. Buffers are allocated
 * once before the first epoch; the loop itself allocates nothing per sample or per batch.
 */
import type { Rng } from '../../random.ts';
import { Adam } from './adam.ts';
import type { Activation } from './layers.ts';
import { outputLoss, type Network, type Workspace } from './network.ts';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  alpha: number;
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  nIterNoChange: number;
  tol: number;
  onProgress?: (message: string) => void;
}

/** Encoded data: inputs rows × d, targets rows × outputs (standardised, 0/1 or one-hot). */
export interface Encoded {
  x: Float64Array;
  t: Float64Array;
  rows: number;
}

export interface TrainHistory {
  /** Mean training loss per epoch (with the L2 term). */
  loss: number[];
  /** Mean validation loss per epoch (no L2 term), when validation rows were given. */
  validationLoss: number[];
  epochs: number;
  /** 1-based epoch whose weights the network holds at the end. */
  bestEpoch: number;
  /** True when training ended before `epochs` because the monitored loss stopped improving. */
  stoppedEarly: boolean;
}

export function train(
  net: Network,
  data: Encoded,
  validation: Encoded | null,
  o: TrainOptions,
  rng: Rng,
): TrainHistory {
  const d = net.sizes[0] as number;
  const k = net.outputs;
  const act = net.layers[net.layers.length - 1]?.activation ?? 'identity';
  const bs = Math.max(1, Math.min(o.batchSize, data.rows));
  const ws = net.workspace(bs);
  const xb = new Float64Array(bs * d);
  const tb = new Float64Array(bs * k);
  const grads = new Float64Array(net.params.length);
  const adam = new Adam(net.params.length, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon });
  const order = new Int32Array(data.rows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const valWs = validation ? net.workspace(Math.min(512, Math.max(1, validation.rows))) : null;
  const best = validation ? new Float64Array(net.params.length) : null;
  const history: TrainHistory = { loss: [], validationLoss: [], epochs: 0, bestEpoch: 0, stoppedEarly: false };
  let bestLoss = Infinity;
  let noImprovement = 0;

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    shuffleInPlace(order, rng);
    let epochLoss = 0;
    for (let start = 0; start < data.rows; start += bs) {
      const m = Math.min(bs, data.rows - start);
      for (let i = 0; i < m; i++) {
        const r = order[start + i] as number;
        xb.set(data.x.subarray(r * d, (r + 1) * d), i * d);
        tb.set(data.t.subarray(r * k, (r + 1) * k), i * k);
      }
      const out = net.forward(xb, m, ws);
      let loss = outputLoss(act, out, tb, m * k, ws.deltas[net.layers.length - 1] as Float64Array, m);
      grads.fill(0);
      net.backward(xb, m, ws, grads);
      loss += addL2(net, grads, o.alpha, m) * m;
      adam.step(net.params, grads);
      epochLoss += loss;
    }
    epochLoss /= data.rows;
    history.loss.push(epochLoss);
    history.epochs = epoch;

    // Monitored loss: validation when given (keeping the best weights), else training loss.
    let monitored = epochLoss;
    if (validation && valWs) {
      monitored = datasetLoss(net, validation, valWs, act);
      history.validationLoss.push(monitored);
    }
    if (monitored < bestLoss) {
      if (best) best.set(net.params);
      history.bestEpoch = epoch;
    }
    noImprovement = monitored > bestLoss - o.tol ? noImprovement + 1 : 0;
    bestLoss = Math.min(bestLoss, monitored);
    if (o.onProgress && epoch % 10 === 0)
      o.onProgress(
        `mlp epoch ${epoch}: loss ${epochLoss.toPrecision(4)}${validation ? `, validation ${monitored.toPrecision(4)}` : ''}`,
      );
    if (noImprovement >= o.nIterNoChange) {
      history.stoppedEarly = true;
      break;
    }
  }
  if (best && history.bestEpoch > 0) net.params.set(best);
  else history.bestEpoch = history.epochs;
  return history;
}

/** Adds alpha·W / m to the weight gradients; returns ½·alpha·‖W‖² / m (biases are not penalised). */
function addL2(net: Network, grads: Float64Array, alpha: number, m: number): number {
  if (alpha === 0) return 0;
  let sq = 0;
  const p = net.params;
  for (const l of net.layers) {
    const end = l.wOff + l.inSize * l.outSize;
    for (let i = l.wOff; i < end; i++) {
      const w = p[i] as number;
      sq += w * w;
      grads[i] = (grads[i] as number) + (alpha * w) / m;
    }
  }
  return (0.5 * alpha * sq) / m;
}

/** Mean loss over a data set (no regularisation), in chunks of the workspace's capacity. */
export function datasetLoss(net: Network, data: Encoded, ws: Workspace, act: Activation): number {
  const d = net.sizes[0] as number;
  const k = net.outputs;
  let loss = 0;
  for (let start = 0; start < data.rows; start += ws.capacity) {
    const m = Math.min(ws.capacity, data.rows - start);
    const out = net.forward(data.x.subarray(start * d, (start + m) * d), m, ws);
    loss += outputLoss(act, out, data.t.subarray(start * k, (start + m) * k), m * k, null, 1);
  }
  return data.rows === 0 ? 0 : loss / data.rows;
}

function shuffleInPlace(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}
