/**
 * Hyperparameters of the CART tree, named and defaulted as scikit-learn's DecisionTree* so the
 * forest and the benches can pass the same settings to both sides.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';

/** Features tried per split: a fraction in (0, 1] (1 = all), a count > 1, or sklearn's names. */
export type MaxFeatures = number | 'sqrt' | 'log2';

export interface CartParams {
  /** Depth limit (root = 0); null grows until leaves are pure or too small. */
  max_depth: number | null;
  min_samples_split: number;
  min_samples_leaf: number;
  max_features: MaxFeatures;
  /** A split must lower the weighted impurity by at least this (sklearn's definition). */
  min_impurity_decrease: number;
}

export const CART_DEFAULTS: Readonly<CartParams> = Object.freeze({
  max_depth: null,
  min_samples_split: 2,
  min_samples_leaf: 1,
  max_features: 1,
  min_impurity_decrease: 0,
});

/** The validated, resolved form the grower reads. */
export interface GrowParams {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features evaluated per node, 1..cols. */
  maxFeatures: number;
  minImpurityDecrease: number;
}

function invalid(learner: string, param: string, rule: string, value: unknown): never {
  throw trainerError(TrainerErrorCodes.MODEL_PARAM_INVALID, `${learner}: ${param} ${rule}, got ${String(value)}`, {
    param,
    value,
  });
}

/** sklearn's rule: a fraction keeps max(1, ⌊f·cols⌋) features; 'sqrt'/'log2' likewise. */
export function resolveMaxFeatures(mf: MaxFeatures, cols: number, learner: string): number {
  let k: number;
  if (mf === 'sqrt') k = Math.floor(Math.sqrt(cols));
  else if (mf === 'log2') k = Math.floor(Math.log2(cols));
  else if (typeof mf === 'number' && mf > 0 && mf <= 1) k = Math.floor(mf * cols);
  else if (typeof mf === 'number' && Number.isInteger(mf) && mf > 1) k = mf;
  else invalid(learner, 'max_features', "must be a fraction in (0, 1], an integer count > 1, 'sqrt' or 'log2'", mf);
  return Math.min(cols, Math.max(1, k));
}

export function resolveGrowParams(p: CartParams, cols: number, learner: string): GrowParams {
  const intAtLeast = (v: number, min: number, name: string): void => {
    if (!(Number.isInteger(v) && v >= min)) invalid(learner, name, `must be an integer ≥ ${min}`, v);
  };
  if (p.max_depth !== null) intAtLeast(p.max_depth, 1, 'max_depth');
  intAtLeast(p.min_samples_split, 2, 'min_samples_split');
  intAtLeast(p.min_samples_leaf, 1, 'min_samples_leaf');
  if (!(p.min_impurity_decrease >= 0 && Number.isFinite(p.min_impurity_decrease)))
    invalid(learner, 'min_impurity_decrease', 'must be ≥ 0', p.min_impurity_decrease);
  return {
    maxDepth: p.max_depth ?? Number.MAX_SAFE_INTEGER,
    minSamplesSplit: p.min_samples_split,
    minSamplesLeaf: p.min_samples_leaf,
    maxFeatures: resolveMaxFeatures(p.max_features, cols, learner),
    minImpurityDecrease: p.min_impurity_decrease,
  };
}
