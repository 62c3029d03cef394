/**
 * The learner registry: the one list of learner families. Everything that depends on a model's
 * kind — the candidates a spec may name, the default candidates and baselines, reviving a saved
 * model, its ONNX head, int8 and .tflite support, the folded form — asks the descriptor found here.
 * Adding a learner: a folder under learners/ exporting its descriptor, and one line below
 * (docs/ARCHITECTURE.md, "Adding a learner").
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { ModelKind, SavedModel } from '../model/saved.ts';
import type { FittedModel, Task } from '../models/learner.ts';
import type { TreeEnsemble } from '../models/tree.ts';
import type { HeadContext } from '../onnx/heads/common.ts';
import type { TfliteDense } from '../tflite/writer.ts';
import { averaging } from './averaging/index.ts';
import { majority, mean, median } from './baseline/index.ts';
import type { LearnerDescriptor, Members } from './descriptor.ts';
import { linear } from './linear/index.ts';
import { logistic } from './logistic/index.ts';
import { mlp } from './mlp/index.ts';
import { stacking } from './stacking/index.ts';
import { forest, gbdt, tree } from './trees/index.ts';

/** In this order: the default candidates of a task are the ones here that do it, simplest first. */
export const LEARNERS: readonly LearnerDescriptor[] = [
  mean,
  median,
  majority,
  linear,
  logistic,
  tree,
  forest,
  gbdt,
  mlp,
  averaging,
  stacking,
];

const BY_KIND = new Map<string, LearnerDescriptor>(LEARNERS.map((d) => [d.kind, d]));

/** The descriptor of a kind, or undefined. */
export function descriptorOf(kind: string): LearnerDescriptor | undefined {
  return BY_KIND.get(kind);
}

/** One kind's descriptor over the whole saved union: the registry keeps kind and form together. */
function described(saved: SavedModel): LearnerDescriptor {
  const d = BY_KIND.get(saved.kind);
  if (!d)
    throw trainerError(TrainerErrorCodes.RUN_MODEL_UNKNOWN, `no learner of kind ${String(saved.kind)}`, {
      kind: saved.kind,
    });
  return d;
}

const members: Members = {
  revive: (saved, task) => reviveModel(saved, task),
  head: (h, design, saved) => emitHead(h, design, saved),
  supportsInt8: (saved) => supportsInt8(saved),
  treeEnsembles: (saved) => treeEnsembles(saved),
};

/** The fitted model a saved form describes. OUTPOST_ERR_RUN_MODEL_UNKNOWN for an unknown kind or a malformed form. */
export function reviveModel(saved: SavedModel, task: Task): FittedModel {
  if (saved === null || typeof saved !== 'object')
    throw trainerError(TrainerErrorCodes.RUN_MODEL_UNKNOWN, 'the saved model is not an object', { kind: null });
  return described(saved).revive(saved as never, task, members);
}

/** The model's ONNX head. OUTPOST_ERR_ONNX_EXPORT_UNSUPPORTED for a kind no descriptor knows. */
export function emitHead(h: HeadContext, design: string, saved: SavedModel): string {
  const d = BY_KIND.get(saved.kind);
  if (!d)
    throw trainerError(TrainerErrorCodes.ONNX_EXPORT_UNSUPPORTED, `no ONNX export for learner ${saved.kind}`, {
      kind: saved.kind,
    });
  return d.onnxHead(h, design, saved as never, members);
}

/** Whether the int8 ladder applies: dense weights only (linear, logistic, MLP, ensembles of those). */
export function supportsInt8(saved: SavedModel): boolean {
  return described(saved).supportsInt8(saved as never, members);
}

/** The tree ensembles inside the model (one, or an ensemble's tree members'). */
export function treeEnsembles(saved: SavedModel): TreeEnsemble[] {
  return described(saved).treeEnsembles(saved as never, members);
}

/** The model's .tflite layers, or null when its family has no .tflite form. */
export function tfliteLayersOf(saved: SavedModel, task: Task): TfliteDense[] | null {
  const d = described(saved);
  return d.tfliteLayers ? d.tfliteLayers(saved as never, task) : null;
}

/** The kinds with a .tflite form. */
export const TFLITE_KINDS: readonly ModelKind[] = LEARNERS.filter((d) => d.tfliteLayers).map((d) => d.kind);

/** The saved form with its input standardisation folded into its first layer (unchanged when it has none). */
export function foldedSaved(saved: SavedModel): SavedModel {
  const d = described(saved);
  return d.fold ? d.fold(saved as never) : saved;
}
