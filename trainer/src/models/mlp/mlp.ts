/**
 * A small multilayer perceptron as a Learner: ReLU hidden layers; identity output with squared
 * error (regression), sigmoid with log loss (binary) or softmax (multiclass); He initialisation
 * from the seed, Adam, shuffled minibatches, L2, early stopping (see train.ts).
 *
 * Regression targets are standardised internally (the network learns (y − yMean) / yStd, which
 * keeps Adam's step size meaningful for targets in the hundreds of thousands); `predict` undoes it
 * and `toJSON` carries yMean / yStd so the exporter can fold them into the last layer
 * (W·yStd, b·yStd + yMean).
 */
import type { MlpSaved } from '../../model/saved.ts';
import { mulberry32 } from '../../random.ts';
import { checkParam, classCount } from '../baseline.ts';
import type { FitContext, FittedModel, Learner, Matrix } from '../learner.ts';
import type { Activation } from './layers.ts';
import { Network } from './network.ts';
import { train, type Encoded, type TrainHistory } from './train.ts';

export interface MlpParams {
  hidden_layer_sizes: number[];
  /** L2 penalty on weights. */
  alpha: number;
  batch_size: number;
  learning_rate_init: number;
  /** Maximum number of epochs. */
  max_iter: number;
  /** Stop after this many epochs without an improvement of at least `tol` in the monitored loss. */
  n_iter_no_change: number;
  tol: number;
  /** Monitor `ctx.validation` (and keep its best weights) when given; false ignores it. */
  early_stopping: boolean;
  beta_1: number;
  beta_2: number;
  epsilon: number;
}

export interface MlpLayerJSON {
  /** in × out, row-major. */
  weights: number[];
  bias: number[];
  activation: Activation;
}

export class MlpFitted implements FittedModel<MlpSaved> {
  readonly kind = 'mlp';
  constructor(
    readonly network: Network,
    readonly history: TrainHistory,
    /** Regression target scaling, undone at predict. */
    readonly target: { mean: number; std: number } | null,
  ) {}

  predict(x: Matrix): Float64Array {
    const out = this.network.predictAll(x.data, x.rows);
    if (this.target)
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * this.target.std + this.target.mean;
    return out;
  }

  toJSON(): MlpSaved {
    const p = this.network.params;
    const layers = this.network.layers.map((l) => ({
      weights: Array.from(p.subarray(l.wOff, l.wOff + l.inSize * l.outSize)),
      bias: Array.from(p.subarray(l.bOff, l.bOff + l.outSize)),
      activation: l.activation,
    }));
    return this.target
      ? { kind: 'mlp', layers, yMean: this.target.mean, yStd: this.target.std }
      : { kind: 'mlp', layers };
  }
}

export const mlpLearner: Learner<MlpParams> = {
  name: 'mlp',
  tasks: ['regression', 'binary', 'multiclass'],
  defaults: {
    hidden_layer_sizes: [64, 64],
    alpha: 1e-4,
    batch_size: 200,
    learning_rate_init: 1e-3,
    max_iter: 200,
    n_iter_no_change: 10,
    tol: 1e-4,
    early_stopping: true,
    beta_1: 0.9,
    beta_2: 0.999,
    epsilon: 1e-8,
  },
  async fit(x, y, params, ctx) {
    const p = { ...mlpLearner.defaults, ...params };
    validate(p);
    return fitMlp(x, y, p, ctx);
  },
};

function fitMlp(x: Matrix, y: Float64Array, p: MlpParams, ctx: FitContext): MlpFitted {
  let outputs = 1;
  let output: Activation = 'identity';
  let target: { mean: number; std: number } | null = null;
  if (ctx.task === 'regression') target = targetScaling(y);
  else {
    const k = classCount(y, ctx);
    outputs = ctx.task === 'binary' ? 1 : k;
    output = ctx.task === 'binary' ? 'sigmoid' : 'softmax';
  }
  const net = new Network([x.cols, ...p.hidden_layer_sizes, outputs], output);
  const rng = mulberry32(ctx.seed);
  net.initialise(rng);
  const val = p.early_stopping && ctx.validation && ctx.validation.x.rows > 0 ? ctx.validation : null;
  if (val) classCountCheck(val.y, ctx, outputs);
  const history = train(
    net,
    encode(x, y, outputs, target),
    val ? encode(val.x, val.y, outputs, target) : null,
    {
      epochs: p.max_iter,
      batchSize: p.batch_size,
      alpha: p.alpha,
      lr: p.learning_rate_init,
      beta1: p.beta_1,
      beta2: p.beta_2,
      epsilon: p.epsilon,
      nIterNoChange: p.n_iter_no_change,
      tol: p.tol,
      onProgress: ctx.onProgress,
    },
    rng,
  );
  return new MlpFitted(net, history, target);
}

function targetScaling(y: Float64Array): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] as number;
  const mean = y.length > 0 ? s / y.length : 0;
  let v = 0;
  for (let i = 0; i < y.length; i++) v += ((y[i] as number) - mean) ** 2;
  const std = y.length > 0 ? Math.sqrt(v / y.length) : 0;
  return { mean, std: std > 0 ? std : 1 };
}

/** Targets as the network sees them: standardised values, 0/1, or one-hot rows. */
function encode(x: Matrix, y: Float64Array, outputs: number, target: { mean: number; std: number } | null): Encoded {
  const t = new Float64Array(x.rows * outputs);
  for (let i = 0; i < x.rows; i++) {
    const v = y[i] as number;
    if (target) t[i] = (v - target.mean) / target.std;
    else if (outputs === 1) t[i] = v;
    else t[i * outputs + v] = 1;
  }
  return { x: x.data, t, rows: x.rows };
}

function classCountCheck(y: Float64Array, ctx: FitContext, outputs: number): void {
  if (ctx.task === 'regression') return;
  classCount(y, { ...ctx, classes: outputs === 1 ? 2 : outputs });
}

function validate(p: MlpParams): void {
  const sizes = p.hidden_layer_sizes;
  checkParam(
    Array.isArray(sizes) && sizes.every((s) => Number.isInteger(s) && s > 0),
    'mlp',
    'hidden_layer_sizes',
    sizes,
    'a list of positive integers',
  );
  checkParam(Number.isFinite(p.alpha) && p.alpha >= 0, 'mlp', 'alpha', p.alpha, 'a finite number ≥ 0');
  checkParam(Number.isInteger(p.batch_size) && p.batch_size > 0, 'mlp', 'batch_size', p.batch_size, 'an integer > 0');
  checkParam(
    Number.isFinite(p.learning_rate_init) && p.learning_rate_init > 0,
    'mlp',
    'learning_rate_init',
    p.learning_rate_init,
    'a finite number > 0',
  );
  checkParam(Number.isInteger(p.max_iter) && p.max_iter > 0, 'mlp', 'max_iter', p.max_iter, 'an integer > 0');
  checkParam(
    Number.isInteger(p.n_iter_no_change) && p.n_iter_no_change > 0,
    'mlp',
    'n_iter_no_change',
    p.n_iter_no_change,
    'an integer > 0',
  );
  checkParam(p.tol >= 0, 'mlp', 'tol', p.tol, '≥ 0');
  checkParam(p.beta_1 >= 0 && p.beta_1 < 1, 'mlp', 'beta_1', p.beta_1, 'in [0, 1)');
  checkParam(p.beta_2 >= 0 && p.beta_2 < 1, 'mlp', 'beta_2', p.beta_2, 'in [0, 1)');
  checkParam(p.epsilon > 0, 'mlp', 'epsilon', p.epsilon, '> 0');
}
