/**
 * Hyperparameters of the histogram gradient-boosting learner. Names and defaults follow
 * scikit-learn's HistGradientBoosting* so a bench can pass the same settings to both sides.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import { MAX_BINS } from '../binner.ts';

export interface GbdtParams {
  /** Boosting iterations (one tree per iteration, one per class for multiclass). */
  max_iter: number;
  /** Shrinkage, folded into the leaf values. */
  learning_rate: number;
  /** Leaves per tree; growth is leaf-wise, best gain first. */
  max_leaf_nodes: number;
  /** Depth limit (root = 0); null for none. */
  max_depth: number | null;
  min_samples_leaf: number;
  /** λ in the leaf value −G/(H+λ) and in the split gain. */
  l2_regularization: number;
  /** Bins per feature, at most 255. */
  max_bins: number;
  /** A child whose hessian sum is below this is not created (guards log loss against p≈0/1 leaves). */
  min_hessian_to_split: number;
  /** Stop on the validation loss of `ctx.validation` and keep the best iteration's trees. */
  early_stopping: boolean;
  n_iter_no_change: number;
  /** An iteration counts as an improvement when it lowers the best validation loss by more than this. */
  validation_tol: number;
  /**
   * Derive the larger child's histogram as parent − smaller child (the fast path). Off builds both
   * children from their rows; it exists so tests can check the two give the same model.
   */
  histogram_subtraction: boolean;
}

export const GBDT_DEFAULTS: Readonly<GbdtParams> = Object.freeze({
  max_iter: 100,
  learning_rate: 0.1,
  max_leaf_nodes: 31,
  max_depth: null,
  min_samples_leaf: 20,
  l2_regularization: 0,
  max_bins: MAX_BINS,
  min_hessian_to_split: 1e-3,
  early_stopping: false,
  n_iter_no_change: 10,
  validation_tol: 1e-7,
  histogram_subtraction: true,
});

/** Merges `partial` over the defaults and rejects values the learner cannot honour. */
export function resolveGbdtParams(partial: Partial<GbdtParams>): GbdtParams {
  const p: GbdtParams = { ...GBDT_DEFAULTS, ...partial };
  const check = (ok: boolean, field: keyof GbdtParams, rule: string): void => {
    if (!ok)
      throw trainerError(TrainerErrorCodes.MODEL_PARAM_INVALID, `gbdt: ${field} ${rule}, got ${String(p[field])}`, {
        param: field,
        value: p[field],
      });
  };
  check(Number.isInteger(p.max_iter) && p.max_iter >= 1, 'max_iter', 'must be an integer ≥ 1');
  check(p.learning_rate > 0 && Number.isFinite(p.learning_rate), 'learning_rate', 'must be > 0');
  check(Number.isInteger(p.max_leaf_nodes) && p.max_leaf_nodes >= 2, 'max_leaf_nodes', 'must be an integer ≥ 2');
  check(
    p.max_depth === null || (Number.isInteger(p.max_depth) && p.max_depth >= 1),
    'max_depth',
    'must be null or an integer ≥ 1',
  );
  check(Number.isInteger(p.min_samples_leaf) && p.min_samples_leaf >= 1, 'min_samples_leaf', 'must be an integer ≥ 1');
  check(p.l2_regularization >= 0 && Number.isFinite(p.l2_regularization), 'l2_regularization', 'must be ≥ 0');
  check(
    Number.isInteger(p.max_bins) && p.max_bins >= 2 && p.max_bins <= MAX_BINS,
    'max_bins',
    `must be an integer in [2, ${MAX_BINS}]`,
  );
  check(p.min_hessian_to_split >= 0, 'min_hessian_to_split', 'must be ≥ 0');
  check(Number.isInteger(p.n_iter_no_change) && p.n_iter_no_change >= 1, 'n_iter_no_change', 'must be an integer ≥ 1');
  check(p.validation_tol >= 0, 'validation_tol', 'must be ≥ 0');
  return p;
}
