/**
 * The averaging ensemble a run builds from its best tuned candidates: revived and exported member
 * by member; int8-capable when every member is.
 */
import { averagingHead } from '../../onnx/heads/ensemble.ts';
import type { LearnerDescriptor } from '../descriptor.ts';
import { unknownModel } from '../revive-check.ts';
import { AveragingModel } from './model.ts';

export const averaging: LearnerDescriptor<'averaging'> = {
  kind: 'averaging',
  label: 'averaging ensemble',
  revive(saved, task, members) {
    if (!Array.isArray(saved.members) || saved.members.length === 0) throw unknownModel('averaging', 'no members');
    return new AveragingModel(saved.members.map((m) => ({ model: members.revive(m.model, task), weight: m.weight })));
  },
  onnxHead: (h, design, saved, members) => averagingHead(h, design, saved, members.head),
  supportsInt8: (saved, members) =>
    saved.members.length > 0 && saved.members.every((m) => members.supportsInt8(m.model)),
  treeEnsembles: (saved, members) => saved.members.flatMap((m) => members.treeEnsembles(m.model)),
};
