/** Random-forest hyperparameters: sklearn's RandomForest* names and defaults, plus `n_jobs`. */
import { availableParallelism } from 'node:os';
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import { CART_DEFAULTS, type CartParams, type MaxFeatures } from '../cart/params.ts';
import type { Task } from '../learner.ts';

export interface ForestParams extends Omit<CartParams, 'max_features'> {
  n_estimators: number;
  /** Draw each tree's rows with replacement (needed for the out-of-bag score). */
  bootstrap: boolean;
  /** null: sklearn's task default — 1.0 (all) for regression, 'sqrt' for classification. */
  max_features: MaxFeatures | null;
  /** Threads building trees (the calling thread counts as one); −1 for every core. */
  n_jobs: number;
}

export const FOREST_DEFAULTS: Readonly<ForestParams> = Object.freeze({
  ...CART_DEFAULTS,
  n_estimators: 100,
  bootstrap: true,
  max_features: null,
  n_jobs: 2,
});

export function resolveForestParams(
  partial: Partial<ForestParams>,
  task: Task,
): { forest: ForestParams; cart: CartParams; threads: number } {
  const p: ForestParams = { ...FOREST_DEFAULTS, ...partial };
  if (!(Number.isInteger(p.n_estimators) && p.n_estimators >= 1)) {
    throw trainerError(
      TrainerErrorCodes.MODEL_PARAM_INVALID,
      `forest: n_estimators must be an integer ≥ 1, got ${String(p.n_estimators)}`,
      { param: 'n_estimators', value: p.n_estimators },
    );
  }
  if (!(p.n_jobs === -1 || (Number.isInteger(p.n_jobs) && p.n_jobs >= 1))) {
    throw trainerError(
      TrainerErrorCodes.MODEL_PARAM_INVALID,
      `forest: n_jobs must be −1 or an integer ≥ 1, got ${String(p.n_jobs)}`,
      { param: 'n_jobs', value: p.n_jobs },
    );
  }
  const maxFeatures: MaxFeatures = p.max_features ?? (task === 'regression' ? 1 : 'sqrt');
  const cart: CartParams = {
    max_depth: p.max_depth,
    min_samples_split: p.min_samples_split,
    min_samples_leaf: p.min_samples_leaf,
    max_features: maxFeatures,
    min_impurity_decrease: p.min_impurity_decrease,
  };
  const threads = Math.min(p.n_estimators, p.n_jobs === -1 ? availableParallelism() : p.n_jobs);
  return { forest: p, cart, threads };
}
