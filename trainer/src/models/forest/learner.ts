/**
 * Random forest ('forest'): bagged CART trees with feature subsampling, built on `n_jobs` threads
 * (worker_threads), with an out-of-bag score. The fitted model is a `TreeEnsemble` averaging its
 * trees (class-probability leaves for classification), base 0, post-transform identity.
 */
import { EXACT_MAX_BINS, applyWideBins, fitBins } from '../binner.ts';
import { checkedTarget, outputsOf } from '../cart/learner.ts';
import { TreeEnsembleModel } from '../cart/ensemble-model.ts';
import { toRawTree } from '../cart/convert.ts';
import { resolveGrowParams } from '../cart/params.ts';
import type { FitContext, Learner, Matrix, Task } from '../learner.ts';
import type { TreeEnsemble } from '../tree.ts';
import { buildTrees } from './pool.ts';
import { oobScore } from './oob.ts';
import { FOREST_DEFAULTS, resolveForestParams, type ForestParams } from './params.ts';

export class ForestModel extends TreeEnsembleModel {
  constructor(
    task: Task,
    ensemble: TreeEnsemble,
    /** OOB RMSE (regression) or accuracy (classification); NaN without bootstrap. */
    readonly oobScore: number,
    /** Averaged OOB predictions per training row (rows × outputs, NaN where never out of bag). */
    readonly oobPrediction: Float64Array,
    /** Trees built by worker threads in this fit (diagnostic; not part of the model). */
    readonly workerTrees: number,
  ) {
    super('forest', task, ensemble);
  }
}

/** The 'forest' learner, typed with its concrete model so callers can read `oobScore`. */
export interface ForestLearner extends Learner<ForestParams> {
  fit(x: Matrix, y: Float64Array, params: Partial<ForestParams>, ctx: FitContext): Promise<ForestModel>;
}

export const forestLearner: ForestLearner = {
  name: 'forest',
  tasks: ['regression', 'binary', 'multiclass'],
  defaults: FOREST_DEFAULTS,
  async fit(x: Matrix, y: Float64Array, params: Partial<ForestParams>, ctx: FitContext): Promise<ForestModel> {
    const { forest, cart, threads } = resolveForestParams(params, ctx.task);
    const grow = resolveGrowParams(cart, x.cols, 'forest');
    const { classes, labels } = checkedTarget(x, y, ctx, 'forest');
    const fb = fitBins(x, EXACT_MAX_BINS);
    const bm = applyWideBins(x, fb);
    const job = {
      rows: x.rows,
      cols: x.cols,
      bins: bm.bins,
      values: fb.values,
      y,
      labels,
      classes,
      grow,
      seed: ctx.seed,
      bootstrap: forest.bootstrap,
    };
    const built = await buildTrees(job, forest.n_estimators, threads);
    const outputs = outputsOf(ctx.task, classes);
    const oob = forest.bootstrap
      ? oobScore(built.results, y, outputs, classes > 0)
      : { score: NaN, prediction: new Float64Array(x.rows * outputs).fill(NaN) };
    ctx.onProgress?.(
      `forest: ${forest.n_estimators} trees on ${threads} thread(s), oob ${classes > 0 ? 'accuracy' : 'rmse'} ${oob.score.toPrecision(5)}`,
    );
    const ensemble: TreeEnsemble = {
      trees: built.results.map((r) => toRawTree(r.tree, fb)),
      outputs,
      base: new Float64Array(outputs),
      aggregate: 'average',
      post: 'identity',
    };
    return new ForestModel(ctx.task, ensemble, oob.score, oob.prediction, built.workerTrees);
  },
};
