/**
 * The fitted stacking ensemble: level-1 members and a small meta-learner over their predictions
 * (values, P(class 1), or every class probability for multiclass) with the task's link. How the
 * meta-learner is fitted — on out-of-fold predictions of the training rows — is run/stacking.ts.
 * Its saved form (model/saved.ts `StackingSaved`) is what the exporter and the reviver read.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import type { StackingSaved, StackLearner, StackLink } from '../../model/saved.ts';
import type { FittedModel, Matrix, Task } from '../../models/learner.ts';
import { sigmoid, softmaxInPlace } from '../../models/logistic.ts';

export type { StackLearner, StackLink };

export interface StackMeta {
  learner: StackLearner;
  link: StackLink;
  /** Row-major inputs × outputs; inputs = members × width (width 1, or k class probabilities for multiclass). */
  weights: Float64Array;
  /** One per output (1 for regression and binary, k for multiclass). */
  intercept: Float64Array;
}

export function linkFor(task: Task): StackLink {
  return task === 'regression' ? 'identity' : task === 'binary' ? 'logistic' : 'softmax';
}

/** Values each member contributes per row: 1 (a value or P(class 1)), or k class probabilities. */
export function memberWidth(meta: Pick<StackMeta, 'link' | 'intercept'>): number {
  return meta.link === 'softmax' ? meta.intercept.length : 1;
}

/** Members' predictions side by side: row-major n × (members · width). */
export function stackFeatures(preds: readonly Float64Array[], rows: number, width: number): Matrix {
  const m = preds.length;
  const cols = m * width;
  const out = new Float64Array(rows * cols);
  preds.forEach((p, j) => {
    if (p.length !== rows * width)
      throw trainerError(
        TrainerErrorCodes.MODEL_PARAM_INVALID,
        `stacking: member ${j} gave ${p.length} values for ${rows} rows of width ${width}`,
        { member: j },
      );
    for (let i = 0; i < rows; i++)
      for (let c = 0; c < width; c++) out[i * cols + j * width + c] = p[i * width + c] as number;
  });
  return { data: out, rows, cols };
}

/** The meta-learner on stacked inputs: values (regression), P(class 1) (binary) or n × k probabilities. */
export function applyMeta(meta: StackMeta, x: Matrix): Float64Array {
  const k = meta.intercept.length;
  if (meta.weights.length !== x.cols * k)
    throw trainerError(
      TrainerErrorCodes.MODEL_PARAM_INVALID,
      `stacking: ${x.cols} inputs for a meta-learner of ${meta.weights.length / k}`,
      { inputs: x.cols },
    );
  const out = new Float64Array(x.rows * k);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < k; c++) {
      let s = meta.intercept[c] as number;
      for (let j = 0; j < x.cols; j++) s += (x.data[r * x.cols + j] as number) * (meta.weights[j * k + c] as number);
      out[r * k + c] = meta.link === 'logistic' ? sigmoid(s) : s;
    }
    if (meta.link === 'softmax') softmaxInPlace(out, r * k, k);
  }
  return out;
}

export class StackingModel implements FittedModel<StackingSaved> {
  readonly kind = 'stacking';

  constructor(
    readonly members: readonly FittedModel[],
    readonly meta: StackMeta,
  ) {
    const k = meta.intercept.length;
    const inputs = k > 0 ? meta.weights.length / k : 0;
    if (members.length === 0 || k === 0 || inputs !== members.length * memberWidth(meta)) {
      throw trainerError(
        TrainerErrorCodes.RUN_MODEL_UNKNOWN,
        `a stacking model needs members and a meta-learner of members × width inputs (${members.length} members, ${inputs} inputs)`,
        { kind: 'stacking' },
      );
    }
  }

  predict(x: Matrix): Float64Array {
    return applyMeta(
      this.meta,
      stackFeatures(
        this.members.map((m) => m.predict(x)),
        x.rows,
        memberWidth(this.meta),
      ),
    );
  }

  toJSON(): StackingSaved {
    return {
      kind: 'stacking',
      learner: this.meta.learner,
      link: this.meta.link,
      members: this.members.map((m) => m.toJSON()),
      meta: metaJSON(this.meta),
    };
  }
}

export function metaJSON(meta: StackMeta): StackingSaved['meta'] {
  const k = meta.intercept.length;
  const weights: number[][] = [];
  for (let j = 0; j < meta.weights.length / k; j++) weights.push(Array.from(meta.weights.subarray(j * k, (j + 1) * k)));
  return { weights, intercept: Array.from(meta.intercept) };
}
