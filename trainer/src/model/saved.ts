/**
 * The saved form of every fitted model: what `FittedModel.toJSON()` returns, what a run folder's
 * model.json holds and what the exporters read. One member per learner family, told apart by
 * `kind`; each family's descriptor (learners/<family>/) revives it and emits its ONNX head.
 * Number lists may be typed arrays in memory (a fitted tree keeps its own); on disk they are plain
 * arrays (run/revive.ts `plainJSON`).
 */
import type { MlpLayerJSON } from '../models/mlp/mlp.ts';

type Numbers = ArrayLike<number>;

/** A logistic or MLP model fitted on standardised inputs: its first layer takes (x − mean) / std. */
export interface StandardisationJSON {
  mean: number[];
  std: number[];
}

export interface ConstantSaved {
  kind: 'mean' | 'median';
  value: number;
}

export interface PriorSaved {
  kind: 'majority';
  /** Training class frequencies, in class-index order. */
  priors: number[];
}

export interface LinearSaved {
  kind: 'linear';
  weights: number[];
  intercept: number;
}

export interface LogisticSaved {
  kind: 'logistic';
  /** cols × k (k = 1 for binary: the logit of class 1). */
  weights: number[][];
  intercept: number[];
  classes: number[];
  standardize?: StandardisationJSON;
}

export interface MlpSaved {
  kind: 'mlp';
  layers: MlpLayerJSON[];
  /** Regression: the network learned (y − yMean) / yStd. */
  yMean?: number;
  yStd?: number;
  standardize?: StandardisationJSON;
}

/** One tree of models/tree.ts `Tree`. */
export interface TreeJSON {
  feature: Numbers;
  threshold: Numbers;
  left: Numbers;
  right: Numbers;
  value: Numbers;
  outputs: number;
}

/** A models/tree.ts `TreeEnsemble`: CART (one tree), random forest or GBDT. */
export interface TreeEnsembleSaved {
  kind: 'tree' | 'forest' | 'gbdt';
  trees: TreeJSON[];
  treeOutput?: Numbers;
  outputs: number;
  base: Numbers;
  aggregate: 'sum' | 'average';
  post: 'identity' | 'logistic' | 'softmax';
}

/** The weighted mean of its members' predictions (weights sum to 1). */
export interface AveragingSaved {
  kind: 'averaging';
  members: { weight: number; model: SavedModel }[];
}

export type StackLink = 'identity' | 'logistic' | 'softmax';
export type StackLearner = 'nnls' | 'logistic';

/** A meta-learner over its members' predictions (learners/stacking/model.ts). */
export interface StackingSaved {
  kind: 'stacking';
  learner: StackLearner;
  link: StackLink;
  members: SavedModel[];
  /** weights: inputs × outputs, inputs = members × (1, or k class probabilities for multiclass). */
  meta: { weights: number[][]; intercept: number[] };
}

export type SavedModel =
  | ConstantSaved
  | PriorSaved
  | LinearSaved
  | LogisticSaved
  | MlpSaved
  | TreeEnsembleSaved
  | AveragingSaved
  | StackingSaved;

export type ModelKind = SavedModel['kind'];

/** The saved form of one kind. */
export type SavedOf<K extends ModelKind> = SavedModel & { kind: K };
