/**
 * Baselines every candidate must beat: the training mean or median for
 * regression, the class priors for classification. They ignore the features entirely.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { quantileSorted } from '../stats.ts';
import type { ConstantSaved, PriorSaved } from '../model/saved.ts';
import type { FitContext, FittedModel, Learner, Matrix } from './learner.ts';

type NoParams = Record<string, never>;

/** Predicts one constant for every row (also what a saved mean/median model revives as). */
export class ConstantModel implements FittedModel<ConstantSaved> {
  constructor(
    readonly kind: ConstantSaved['kind'],
    readonly value: number,
  ) {}

  predict(x: Matrix): Float64Array {
    return new Float64Array(x.rows).fill(this.value);
  }

  toJSON(): ConstantSaved {
    return { kind: this.kind, value: this.value };
  }
}

/** Predicts the training class frequencies for every row. */
export class PriorModel implements FittedModel<PriorSaved> {
  readonly kind = 'majority';
  /** `binary`: predict P(class 1) per row rather than the whole prior vector. */
  constructor(
    readonly priors: Float64Array,
    readonly binary: boolean,
  ) {}

  predict(x: Matrix): Float64Array {
    const k = this.priors.length;
    if (this.binary) return new Float64Array(x.rows).fill(this.priors[1] as number);
    const out = new Float64Array(x.rows * k);
    for (let r = 0; r < x.rows; r++) out.set(this.priors, r * k);
    return out;
  }

  toJSON(): PriorSaved {
    return { kind: 'majority', priors: Array.from(this.priors) };
  }
}

function requireRows(y: Float64Array, learner: string): void {
  if (y.length === 0) throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `${learner}: no training rows`, { learner });
}

export const meanLearner: Learner<NoParams> = {
  name: 'mean',
  tasks: ['regression'],
  defaults: {},
  async fit(_x, y) {
    requireRows(y, 'mean');
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] as number;
    return new ConstantModel('mean', s / y.length);
  },
};

export const medianLearner: Learner<NoParams> = {
  name: 'median',
  tasks: ['regression'],
  defaults: {},
  async fit(_x, y) {
    requireRows(y, 'median');
    return new ConstantModel('median', quantileSorted(Float64Array.from(y).sort(), 0.5));
  },
};

export const majorityLearner: Learner<NoParams> = {
  name: 'majority',
  tasks: ['binary', 'multiclass'],
  defaults: {},
  async fit(_x, y, _params, ctx) {
    requireRows(y, 'majority');
    const k = classCount(y, ctx);
    const priors = new Float64Array(k);
    for (let i = 0; i < y.length; i++) priors[y[i] as number] = (priors[y[i] as number] as number) + 1;
    for (let c = 0; c < k; c++) priors[c] = (priors[c] as number) / y.length;
    return new PriorModel(priors, ctx.task === 'binary');
  },
};

/**
 * The number of classes for a classification fit: 2 for binary, else `ctx.classes` or the largest
 * label + 1. Labels must be integers in 0..k-1 (the pipeline encodes them so).
 */
export function classCount(y: Float64Array, ctx: FitContext): number {
  let max = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (!Number.isInteger(v) || v < 0)
      throw trainerError(TrainerErrorCodes.MODEL_LABELS_INVALID, `class label ${v} at row ${i} is not an integer ≥ 0`, {
        row: i,
        label: v,
      });
    if (v > max) max = v;
  }
  const k = ctx.task === 'binary' ? 2 : (ctx.classes ?? max + 1);
  if (max >= k)
    throw trainerError(TrainerErrorCodes.MODEL_LABELS_INVALID, `class label ${max} is outside 0..${k - 1}`, {
      label: max,
      classes: k,
    });
  return k;
}

/** Throws MODEL_PARAM_INVALID unless `ok`; shared by the learners' parameter checks. */
export function checkParam(ok: boolean, learner: string, param: string, value: unknown, expected: string): void {
  if (!ok)
    throw trainerError(
      TrainerErrorCodes.MODEL_PARAM_INVALID,
      `${learner}: ${param} = ${JSON.stringify(value)} must be ${expected}`,
      { learner, param, value },
    );
}
