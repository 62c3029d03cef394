/** The baselines: the training mean / median (regression) and the class priors (classification). */
import { ConstantModel, majorityLearner, meanLearner, medianLearner, PriorModel } from '../../models/baseline.ts';
import type { Learner } from '../../models/learner.ts';
import { constantHead, priorsHead } from '../../onnx/heads/baseline.ts';
import type { LearnerDescriptor, Params } from '../descriptor.ts';
import { nums } from '../revive-check.ts';

const constant = <K extends 'mean' | 'median'>(
  kind: K,
  learner: Learner<Record<string, never>>,
): LearnerDescriptor<K> => ({
  kind,
  label: kind,
  learner: learner as unknown as Learner<Params>,
  fitsInThread: true,
  revive: (saved) => new ConstantModel(kind, saved.value),
  onnxHead: (h, design, saved) => constantHead(h, design, saved),
  supportsInt8: () => false,
  treeEnsembles: () => [],
});

export const mean: LearnerDescriptor<'mean'> = { ...constant('mean', meanLearner), baselineFor: ['regression'] };
export const median: LearnerDescriptor<'median'> = constant('median', medianLearner);

export const majority: LearnerDescriptor<'majority'> = {
  kind: 'majority',
  label: 'majority',
  learner: majorityLearner as unknown as Learner<Params>,
  fitsInThread: true,
  baselineFor: ['binary', 'multiclass'],
  revive: (saved, task) => new PriorModel(Float64Array.from(nums(saved.priors, 'majority')), task === 'binary'),
  onnxHead: (h, design, saved) => priorsHead(h, design, saved),
  supportsInt8: () => false,
  treeEnsembles: () => [],
};
