/**
 * CART decision tree ('tree'): squared-error regression or Gini classification on binned features
 * (a bin per distinct training value, binner.ts: exact thresholds), grown depth-first. The fitted model is a one-tree `TreeEnsemble` with raw
 * thresholds; classification leaves hold class probability vectors (Tree.outputs = classes).
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import { mulberry32 } from '../../random.ts';
import { EXACT_MAX_BINS, applyWideBins, fitBins } from '../binner.ts';
import type { FitContext, Learner, Matrix, Task } from '../learner.ts';
import { toRawTree } from './convert.ts';
import { TreeEnsembleModel } from './ensemble-model.ts';
import { growTree, growWorkspace } from './grow.ts';
import { classCount, classLabels, growData } from './grow-data.ts';
import { CART_DEFAULTS, resolveGrowParams, type CartParams } from './params.ts';

/** Rows, labels and class count after the checks every tree learner makes. */
export function checkedTarget(
  x: Matrix,
  y: Float64Array,
  ctx: FitContext,
  learner: string,
): { classes: number; labels: Uint16Array } {
  if (x.rows < 1)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `${learner}: no training rows`, { rows: x.rows });
  if (y.length !== x.rows) {
    throw trainerError(TrainerErrorCodes.MODEL_LABELS_INVALID, `${learner}: ${y.length} targets for ${x.rows} rows`, {
      rows: x.rows,
      targets: y.length,
    });
  }
  if (ctx.task === 'regression') return { classes: 0, labels: new Uint16Array(0) };
  const classes = ctx.task === 'binary' ? 2 : classCount(y, ctx.classes);
  return { classes, labels: classLabels(y, classes, learner) };
}

export function outputsOf(task: Task, classes: number): number {
  return task === 'regression' ? 1 : classes;
}

/** The 'tree' learner, typed with its concrete model so callers can read `ensemble`. */
export interface TreeLearner extends Learner<CartParams> {
  fit(x: Matrix, y: Float64Array, params: Partial<CartParams>, ctx: FitContext): Promise<TreeEnsembleModel>;
}

export const treeLearner: TreeLearner = {
  name: 'tree',
  tasks: ['regression', 'binary', 'multiclass'],
  defaults: CART_DEFAULTS,
  async fit(x: Matrix, y: Float64Array, params: Partial<CartParams>, ctx: FitContext): Promise<TreeEnsembleModel> {
    const p: CartParams = { ...CART_DEFAULTS, ...params };
    const gp = resolveGrowParams(p, x.cols, 'tree');
    const { classes, labels } = checkedTarget(x, y, ctx, 'tree');
    const fb = fitBins(x, EXACT_MAX_BINS);
    const data = growData(applyWideBins(x, fb), y, labels, classes, new Float64Array(x.rows).fill(1), fb.values);
    const idx = new Uint32Array(x.rows);
    for (let r = 0; r < x.rows; r++) idx[r] = r;
    const grown = growTree(data, idx, x.rows, gp, mulberry32(ctx.seed), growWorkspace(data));
    const outputs = outputsOf(ctx.task, classes);
    return new TreeEnsembleModel('tree', ctx.task, {
      trees: [toRawTree(grown, fb)],
      outputs,
      base: new Float64Array(outputs),
      aggregate: 'average',
      post: 'identity',
    });
  },
};
