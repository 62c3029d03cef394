/**
 * Histogram gradient-boosted trees (the LightGBM / scikit-learn HistGradientBoosting recipe):
 * features binned once, leaf-wise trees on gradient histograms, shrinkage folded into the leaves,
 * optional early stopping on the validation rows keeping the best iteration. The fit is a
 * `TreeEnsemble` whose thresholds are raw feature values, so the exported ONNX trees and
 * `predict` compute the same thing.
 */
import type { TreeEnsembleSaved } from '../../model/saved.ts';
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import { applyBins } from '../binner.ts';
import type { FitContext, FittedModel, Learner, Matrix } from '../learner.ts';
import { ensembleScores, leafOf, postTransform, type Tree, type TreeEnsemble } from '../tree.ts';
import { fitBins } from '../binner.ts';
import { Grower } from './grow.ts';
import { baseScores, computeGradients, lossFor, meanLoss, type LossKind } from './loss.ts';
import { GBDT_DEFAULTS, resolveGbdtParams, type GbdtParams } from './params.ts';

export type { GbdtParams } from './params.ts';

export class GbdtModel implements FittedModel<TreeEnsembleSaved> {
  readonly kind = 'gbdt';
  constructor(
    readonly ensemble: TreeEnsemble,
    /** Boosting iterations kept (the best one when early stopping). */
    readonly iterations: number,
    /** Validation loss after each iteration (index 0: the base score alone); empty without validation. */
    readonly validationLoss: readonly number[],
  ) {}

  predict(x: Matrix): Float64Array {
    return postTransform(this.ensemble, ensembleScores(this.ensemble, x.data, x.rows, x.cols));
  }

  toJSON(): TreeEnsembleSaved {
    return ensembleToJSON('gbdt', this.ensemble);
  }
}

/** The ensemble as plain arrays (a copy). */
export function ensembleToJSON(kind: TreeEnsembleSaved['kind'], e: TreeEnsemble): TreeEnsembleSaved {
  return {
    kind,
    trees: e.trees.map((t) => ({
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold),
      left: Array.from(t.left),
      right: Array.from(t.right),
      value: Array.from(t.value),
      outputs: t.outputs,
    })),
    ...(e.treeOutput ? { treeOutput: Array.from(e.treeOutput) } : {}),
    outputs: e.outputs,
    base: Array.from(e.base),
    aggregate: e.aggregate,
    post: e.post,
  };
}

export const gbdtLearner: Learner<GbdtParams> = {
  name: 'gbdt',
  tasks: ['regression', 'binary', 'multiclass'],
  defaults: GBDT_DEFAULTS,
  fit: (x, y, params, ctx) => Promise.resolve(fitGbdt(x, y, params, ctx)),
};

/** Synchronous fit (the learner's `fit` wraps it). */
export function fitGbdt(x: Matrix, y: Float64Array, partial: Partial<GbdtParams>, ctx: FitContext): GbdtModel {
  const p = resolveGbdtParams(partial);
  if (x.rows !== y.length)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `gbdt: ${x.rows} rows but ${y.length} targets`, {
      rows: x.rows,
      targets: y.length,
    });
  if (x.rows === 0) throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, 'gbdt: no training rows', { rows: 0 });
  const loss = lossFor(ctx.task);
  const k = outputCount(loss, y, ctx);
  if (ctx.validation) outputCount(loss, ctx.validation.y, { ...ctx, classes: k });
  if (p.early_stopping && !ctx.validation) {
    throw trainerError(
      TrainerErrorCodes.MODEL_PARAM_INVALID,
      'gbdt: early_stopping needs validation rows (ctx.validation)',
      { param: 'early_stopping' },
    );
  }

  const n = x.rows;
  const fb = fitBins(x, p.max_bins);
  const binned = applyBins(x, fb);
  const constantHessian = loss === 'squared_error';
  const grower = new Grower(
    { bins: binned.bins, n, cols: x.cols, binCounts: fb.counts, thresholds: fb.thresholds },
    {
      maxLeaves: p.max_leaf_nodes,
      maxDepth: p.max_depth,
      minSamplesLeaf: p.min_samples_leaf,
      lambda: p.l2_regularization,
      minHessian: constantHessian ? 0 : p.min_hessian_to_split,
      learningRate: p.learning_rate,
      subtraction: p.histogram_subtraction,
    },
    constantHessian,
  );

  const base = baseScores(loss, y, k);
  const raw = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) raw[i * k + c] = base[c] as number;
  const grad = Array.from({ length: k }, () => new Float64Array(n));
  const hess = Array.from({ length: k }, () => new Float64Array(constantHessian ? 0 : n));
  const val = ctx.validation ? new ValidationScores(ctx.validation.x, ctx.validation.y, base, k, loss) : null;
  const history = val ? [val.loss()] : [];
  let best = { iteration: 0, loss: history[0] ?? Infinity };

  const trees: Tree[] = [];
  let iterations = 0;
  for (let it = 1; it <= p.max_iter; it++) {
    computeGradients(loss, y, raw, k, grad, hess);
    for (let c = 0; c < k; c++) {
      const tree = grower.grow(grad[c] as Float64Array, constantHessian ? null : (hess[c] as Float64Array), raw, k, c);
      trees.push(tree);
      val?.add(tree, c);
    }
    iterations = it;
    if (val) {
      const l = val.loss();
      history.push(l);
      if (l < best.loss - p.validation_tol) best = { iteration: it, loss: l };
      if (p.early_stopping && it - best.iteration >= p.n_iter_no_change) break;
    }
    if (ctx.onProgress && it % 50 === 0)
      ctx.onProgress(`gbdt: iteration ${it}/${p.max_iter}${val ? `, validation loss ${history[it]}` : ''}`);
  }
  if (p.early_stopping) {
    iterations = best.iteration;
    trees.length = iterations * k;
  }
  const ensemble: TreeEnsemble = {
    trees,
    ...(k > 1 ? { treeOutput: Int32Array.from(trees, (_, t) => t % k) } : {}),
    outputs: k,
    base,
    aggregate: 'sum',
    post: loss === 'squared_error' ? 'identity' : loss === 'log_loss' ? 'logistic' : 'softmax',
  };
  return new GbdtModel(ensemble, iterations, history);
}

/** Outputs of the ensemble: 1, or the class count for softmax; checks the labels fit the loss. */
function outputCount(loss: LossKind, y: Float64Array, ctx: FitContext): number {
  if (loss === 'squared_error') return 1;
  let max = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (
      !Number.isInteger(v) ||
      v < 0 ||
      (loss === 'log_loss' && v > 1) ||
      (ctx.classes !== undefined && v >= ctx.classes)
    ) {
      throw trainerError(TrainerErrorCodes.MODEL_LABELS_INVALID, `gbdt: label ${v} at row ${i} is not a class index`, {
        row: i,
        label: v,
      });
    }
    if (v > max) max = v;
  }
  return loss === 'log_loss' ? 1 : Math.max(2, ctx.classes ?? max + 1);
}

/** Running raw scores of the validation rows, one tree at a time. */
class ValidationScores {
  private readonly raw: Float64Array;
  constructor(
    private readonly x: Matrix,
    private readonly y: Float64Array,
    base: Float64Array,
    private readonly k: number,
    private readonly lossKind: LossKind,
  ) {
    this.raw = new Float64Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) for (let c = 0; c < k; c++) this.raw[i * k + c] = base[c] as number;
  }

  add(tree: Tree, output: number): void {
    const { data, rows, cols } = this.x;
    for (let i = 0; i < rows; i++) {
      const j = i * this.k + output;
      this.raw[j] = (this.raw[j] as number) + (tree.value[leafOf(tree, data, i * cols)] as number);
    }
  }

  loss(): number {
    return meanLoss(this.lossKind, this.y, this.raw, this.k);
  }
}
