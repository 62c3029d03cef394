/**
 * Logistic regression (L-BFGS), fitted on standardised inputs: one dense layer (binary: the logit
 * of class 1, then [σ(−z), σ(z)]; multiclass: softmax), int8-capable, with a .tflite form.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import type { LogisticSaved } from '../../model/saved.ts';
import type { Learner } from '../../models/learner.ts';
import { LogisticFitted, logisticLearner } from '../../models/logistic.ts';
import { logisticHead } from '../../onnx/heads/linear.ts';
import type { LearnerDescriptor, Params } from '../descriptor.ts';
import { nums } from '../revive-check.ts';
import { foldInto, standardisationOf, standardized, StandardizedModel } from '../standardize.ts';

const invalid = (message: string, details: Record<string, unknown> = {}): Error =>
  trainerError(TrainerErrorCodes.TFLITE_MODEL_INVALID, message, details);

export const logistic: LearnerDescriptor<'logistic'> = {
  kind: 'logistic',
  label: 'logistic',
  learner: standardized(logisticLearner as unknown as Learner<Params>),
  needsStandardize: true,
  candidate: { params: { C: 1, max_iter: 200 }, grid: { C: [0.01, 0.1, 1, 10, 100] }, quickGrid: { C: [0.1, 10] } },
  revive(saved) {
    const rows = saved.weights;
    const intercept = Float64Array.from(nums(saved.intercept, 'logistic'));
    const classes = nums(saved.classes, 'logistic').length;
    const model = new LogisticFitted(Float64Array.from(rows.flat()), intercept, rows.length, classes, 0, true);
    const s = standardisationOf(saved, 'logistic');
    return s ? new StandardizedModel<LogisticSaved>(model, s) : model;
  },
  onnxHead: (h, design, saved) => logisticHead(h, design, saved),
  supportsInt8: () => true,
  treeEnsembles: () => [],
  tfliteLayers(saved, task) {
    if (task === 'regression') throw invalid('a logistic model is a classification model');
    const { weights: rows, intercept } = saved;
    const k = intercept.length;
    const weights = rows.flatMap((r) => {
      if (r.length !== k) throw invalid(`logistic weight rows need ${k} values, one has ${r.length}`);
      return r;
    });
    return [{ weights, bias: intercept, in: rows.length, out: k, activation: k === 1 ? 'binary' : 'softmax' }];
  },
  fold(saved) {
    const s = standardisationOf(saved, 'logistic');
    if (!s) return saved;
    const { standardize: _dropped, ...rest } = saved;
    const k = rest.intercept.length;
    const w = Float64Array.from(rest.weights.flat());
    const b = Float64Array.from(rest.intercept);
    foldInto(w, b, s.mean.length, s);
    return {
      ...rest,
      weights: rest.weights.map((_, j) => Array.from(w.subarray(j * k, (j + 1) * k))),
      intercept: Array.from(b),
    };
  },
};
