/**
 * Revives a `FittedModel` from its saved `toJSON` shape, for every learner kind, so `outpost test`
 * evaluates exactly the model the run chose: tree ensembles (tree, forest, gbdt) through the shared
 * `ensembleScores` + `postTransform`; linear, logistic and MLP weights — with their input
 * standardisation when the JSON has `standardize` (run/standardize.ts), else in the older folded
 * form, weights of the raw design —; the baselines; averaging and stacking ensembles, member by
 * member (stacking with its meta-learner's weights).
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { ConstantModel, PriorModel } from '../models/baseline.ts';
import { EnsembleModel as TreeEnsembleModel } from '../models/cart/ensemble-model.ts';
import type { FittedModel, Matrix, Task } from '../models/learner.ts';
import { LinearFitted } from '../models/linear.ts';
import { LogisticFitted } from '../models/logistic.ts';
import type { Activation } from '../models/mlp/layers.ts';
import type { MlpJSON } from '../models/mlp/mlp.ts';
import { Network } from '../models/mlp/network.ts';
import type { Tree, TreeEnsemble } from '../models/tree.ts';
import { EnsembleModel } from './ensemble.ts';
import { StackingModel, type StackLearner, type StackLink } from './stacking.ts';
import { StandardizedModel, standardisationOf } from './standardize.ts';

/** model.json: what a run saves of a fitted model. */
export interface SavedModel {
  format: 'outpost-run-model/1';
  kind: string;
  task: Task;
  model: unknown;
}

/** JSON-safe copy: typed arrays become plain arrays (a Float64Array would serialise as an object). */
export function plainJSON(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as Float64Array) : v,
    ),
  );
}

export function saveModel(model: FittedModel, task: Task): SavedModel {
  return { format: 'outpost-run-model/1', kind: model.kind, task, model: plainJSON(model.toJSON()) };
}

class RevivedMlp implements FittedModel {
  readonly kind = 'mlp';
  constructor(
    readonly network: Network,
    readonly json: MlpJSON,
  ) {}

  predict(x: Matrix): Float64Array {
    const out = this.network.predictAll(x.data, x.rows);
    const { yMean, yStd } = this.json;
    if (yMean !== undefined && yStd !== undefined)
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * yStd + yMean;
    return out;
  }

  toJSON(): MlpJSON {
    const { standardize: _outer, ...network } = this.json;
    return network;
  }
}

function unknownModel(kind: string, problem: string): Error {
  return trainerError(TrainerErrorCodes.RUN_MODEL_UNKNOWN, `cannot revive a saved ${kind} model: ${problem}`, { kind });
}

const nums = (v: unknown): number[] => {
  if (Array.isArray(v)) return v as number[];
  // An ensemble saved without plainJSON: typed arrays serialise as { "0": …, "1": … }.
  if (v && typeof v === 'object') return Object.values(v as Record<string, number>);
  throw unknownModel('tree', 'expected an array of numbers');
};

function reviveEnsemble(j: Record<string, unknown>): TreeEnsemble {
  const trees = (j.trees as Record<string, unknown>[]).map((t): Tree => ({
    feature: Int32Array.from(nums(t.feature)),
    threshold: Float64Array.from(nums(t.threshold)),
    left: Int32Array.from(nums(t.left)),
    right: Int32Array.from(nums(t.right)),
    value: Float64Array.from(nums(t.value)),
    outputs: t.outputs as number,
  }));
  const e: TreeEnsemble = {
    trees,
    outputs: j.outputs as number,
    base: Float64Array.from(nums(j.base)),
    aggregate: j.aggregate as TreeEnsemble['aggregate'],
    post: j.post as TreeEnsemble['post'],
  };
  if (j.treeOutput !== undefined) e.treeOutput = Int32Array.from(nums(j.treeOutput));
  return e;
}

export function reviveModel(kind: string, task: Task, json: unknown): FittedModel {
  if (json === null || typeof json !== 'object') throw unknownModel(kind, 'the saved model is not an object');
  if (kind === 'logistic' || kind === 'mlp') {
    const s = standardisationOf(json, kind);
    if (s) return new StandardizedModel(reviveWeights(kind, task, json as Record<string, unknown>), s);
  }
  return reviveWeights(kind, task, json as Record<string, unknown>);
}

function reviveWeights(kind: string, task: Task, j: Record<string, unknown>): FittedModel {
  switch (kind) {
    case 'mean':
    case 'median':
      return new ConstantModel(kind, j.value as number);
    case 'majority':
      return new PriorModel(Float64Array.from(nums(j.priors)), task === 'binary');
    case 'linear':
      return new LinearFitted({ weights: Float64Array.from(nums(j.weights)), intercept: j.intercept as number });
    case 'logistic': {
      const rows = j.weights as number[][];
      const intercept = Float64Array.from(nums(j.intercept));
      const classes = nums(j.classes).length;
      return new LogisticFitted(Float64Array.from(rows.flat()), intercept, rows.length, classes, 0, true);
    }
    case 'mlp': {
      const m = j as unknown as MlpJSON;
      const first = m.layers[0];
      if (!first) throw unknownModel(kind, 'no layers');
      const sizes = [first.weights.length / first.bias.length, ...m.layers.map((l) => l.bias.length)];
      const params = Float64Array.from(m.layers.flatMap((l) => [...l.weights, ...l.bias]));
      const output = (m.layers[m.layers.length - 1] as { activation: Activation }).activation;
      return new RevivedMlp(new Network(sizes, output, params), m);
    }
    case 'tree':
    case 'forest':
    case 'gbdt':
      if (!Array.isArray(j.trees)) throw unknownModel(kind, 'no trees');
      return new TreeEnsembleModel(kind, task, reviveEnsemble(j));
    case 'ensemble': {
      if (j.method === 'stack') return reviveStacking(task, j);
      const members = j.members as { kind: string; weight: number; model: unknown }[] | undefined;
      if (!Array.isArray(members) || members.length === 0) throw unknownModel(kind, 'no members');
      return new EnsembleModel(members.map((m) => ({ model: reviveModel(m.kind, task, m.model), weight: m.weight })));
    }
    default:
      throw unknownModel(kind, 'unknown kind');
  }
}

const LINKS: Record<Task, StackLink> = { regression: 'identity', binary: 'logistic', multiclass: 'softmax' };

function reviveStacking(task: Task, j: Record<string, unknown>): StackingModel {
  const members = j.members as { kind: string; model: unknown }[] | undefined;
  if (!Array.isArray(members) || members.length === 0)
    throw unknownModel('ensemble', 'a stacking ensemble without members');
  if (j.link !== LINKS[task]) throw unknownModel('ensemble', `a ${task} stacking ensemble with link ${String(j.link)}`);
  const meta = j.meta as { weights?: unknown; intercept?: unknown } | undefined;
  if (!meta || !Array.isArray(meta.weights))
    throw unknownModel('ensemble', 'a stacking ensemble without meta-learner weights');
  const rows = meta.weights as unknown[];
  return new StackingModel(
    members.map((m) => reviveModel(m.kind, task, m.model)),
    {
      learner: j.learner as StackLearner,
      link: LINKS[task],
      weights: Float64Array.from(rows.flatMap((r) => nums(r))),
      intercept: Float64Array.from(nums(meta.intercept)),
    },
  );
}

export function reviveSaved(saved: SavedModel): FittedModel {
  return reviveModel(saved.kind, saved.task, saved.model);
}
