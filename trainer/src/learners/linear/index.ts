/** Ridge regression: one dense layer, int8-capable, with a .tflite form. */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import type { Learner } from '../../models/learner.ts';
import { LinearFitted, linearLearner } from '../../models/linear.ts';
import { linearHead } from '../../onnx/heads/linear.ts';
import type { LearnerDescriptor, Params } from '../descriptor.ts';
import { nums } from '../revive-check.ts';

export const linear: LearnerDescriptor<'linear'> = {
  kind: 'linear',
  label: 'linear',
  learner: linearLearner as unknown as Learner<Params>,
  candidate: { params: { alpha: 1 }, grid: { alpha: [0.1, 1, 10, 100] }, quickGrid: { alpha: [1, 10] } },
  revive: (saved) =>
    new LinearFitted({ weights: Float64Array.from(nums(saved.weights, 'linear')), intercept: saved.intercept }),
  onnxHead: (h, design, saved) => linearHead(h, design, saved),
  supportsInt8: () => true,
  treeEnsembles: () => [],
  tfliteLayers(saved, task) {
    if (task !== 'regression')
      throw trainerError(TrainerErrorCodes.TFLITE_MODEL_INVALID, 'a linear model is a regression model', { task });
    const { weights, intercept } = saved;
    return [{ weights, bias: [intercept], in: weights.length, out: 1, activation: 'identity' }];
  },
};
