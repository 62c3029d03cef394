/**
 * The stacking ensemble a run builds (run/stacking.ts fits its meta-learner): revived and exported
 * member by member, then the meta layer; int8-capable when every member is (the meta layer stays
 * float).
 */
import { stackingHead } from '../../onnx/heads/ensemble.ts';
import type { LearnerDescriptor } from '../descriptor.ts';
import { nums, unknownModel } from '../revive-check.ts';
import { linkFor, StackingModel } from './model.ts';

export const stacking: LearnerDescriptor<'stacking'> = {
  kind: 'stacking',
  label: 'stacking ensemble',
  revive(saved, task, members) {
    if (!Array.isArray(saved.members) || saved.members.length === 0) throw unknownModel('stacking', 'no members');
    if (saved.link !== linkFor(task))
      throw unknownModel('stacking', `a ${task} stacking ensemble with link ${String(saved.link)}`);
    if (!saved.meta || !Array.isArray(saved.meta.weights))
      throw unknownModel('stacking', 'a stacking ensemble without meta-learner weights');
    return new StackingModel(
      saved.members.map((m) => members.revive(m, task)),
      {
        learner: saved.learner,
        link: linkFor(task),
        weights: Float64Array.from(saved.meta.weights.flatMap((r) => nums(r, 'stacking'))),
        intercept: Float64Array.from(nums(saved.meta.intercept, 'stacking')),
      },
    );
  },
  onnxHead: (h, design, saved, members) => stackingHead(h, design, saved, members.head),
  supportsInt8: (saved, members) => saved.members.length > 0 && saved.members.every((m) => members.supportsInt8(m)),
  treeEnsembles: (saved, members) => saved.members.flatMap((m) => members.treeEnsembles(m)),
};
