/**
 * A run folder's model.json and baseline.json: the saved form of a fitted model (model/saved.ts)
 * with its task, revived through the learner registry, so `outpost test` evaluates exactly the
 * model the run chose.
 */
import { reviveModel } from '../learners/registry.ts';
import type { SavedModel } from '../model/saved.ts';
import type { FittedModel, Task } from '../models/learner.ts';

/** model.json: what a run saves of a fitted model. */
export interface RunModelFile {
  format: 'outpost-run-model/2';
  kind: SavedModel['kind'];
  task: Task;
  model: SavedModel;
}

/** JSON-safe copy: typed arrays become plain arrays (a Float64Array would serialise as an object). */
export function plainJSON<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as Float64Array) : v,
    ),
  ) as T;
}

/** JSON.stringify replacer: typed arrays as plain arrays, in the one serialising pass. */
export function typedArraysAsArrays(_key: string, v: unknown): unknown {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as Float64Array) : v;
}

/**
 * model.json's content without copying the model: write it with `typedArraysAsArrays` (a
 * parse-and-copy of a 100-tree forest's saved form held it twice in memory).
 */
export function savedModelFile(model: FittedModel, task: Task): RunModelFile {
  return { format: 'outpost-run-model/2', kind: model.kind, task, model: model.toJSON() as RunModelFile['model'] };
}

export function saveModel(model: FittedModel, task: Task): RunModelFile {
  return { format: 'outpost-run-model/2', kind: model.kind, task, model: plainJSON(model.toJSON()) };
}

/**
 * The model of a model.json. A file of the first format (no `kind` inside `model`) revives when it
 * holds a single learner; its ensembles (kind 'ensemble') are refused with
 * OUTPOST_ERR_RUN_MODEL_UNKNOWN.
 */
export function reviveSaved(file: RunModelFile): FittedModel {
  const model = file.model as SavedModel | null;
  const saved =
    model && typeof model === 'object' && !('kind' in model) ? { ...(model as object), kind: file.kind } : model;
  return reviveModel(saved as SavedModel, file.task);
}
