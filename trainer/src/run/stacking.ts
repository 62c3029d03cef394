/**
 * Fitting a stacking ensemble (the model itself: learners/stacking/model.ts): level-1 members, and
 * a small meta-learner fitted on the members' OUT-OF-FOLD predictions of the training rows — the held-out
 * predictions of the run's k CV folds, so every training row is predicted by a member that did not
 * see it, and no validation or test row is ever a meta-learner row.
 *
 * Meta-learners (each deterministic):
 *  - regression: least squares with NON-NEGATIVE weights and a free intercept (a trace-scaled ridge
 *    of 1e-4 keeps the system well posed when members are nearly collinear, which they are). Exact:
 *    every subset of free weights is solved and the best feasible one kept (≤ 10 members).
 *  - binary: logistic regression (L2, C = 1, as models/logistic.ts) on the members' P(class 1).
 *  - multiclass: multinomial logistic regression on all members' class probabilities (members × k
 *    inputs, Softmax over k outputs) — one weight column per class, no fall-back to averaging.
 *
 * In the graph: members' outputs → Concat → MatMul + Add (+ [σ(−z), σ(z)] for binary, Softmax for
 * multiclass).
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { applyMeta, linkFor, stackFeatures, type StackMeta } from '../learners/stacking/model.ts';
import type { FittedModel, Matrix, Task } from '../models/learner.ts';
import { choleskySolve } from '../models/linalg.ts';
import { logisticLearner } from '../models/logistic.ts';
import type { Design } from './cv.ts';

/** Relative ridge of the regression meta-learner: α = META_RIDGE · trace(XcᵀXc) / inputs. */
export const META_RIDGE = 1e-4;
/** Inverse regularisation of the logistic meta-learner (scikit-learn's C). */
export const META_C = 1;
/** The regression meta-learner enumerates the subsets of its weights: at most this many inputs. */
export const MAX_NNLS_INPUTS = 10;

/**
 * Least squares with w ≥ 0 and a free intercept: min ‖y − b − Xw‖² + α‖w‖². On centred data the
 * intercept drops out; the optimum is the best feasible solution of the normal equations restricted
 * to some subset of the weights (the others 0), so all 2^inputs subsets are tried.
 */
export function fitNonNegative(
  x: Matrix,
  y: ArrayLike<number>,
  ridge = META_RIDGE,
): { weights: Float64Array; intercept: number } {
  const n = x.rows;
  const d = x.cols;
  if (n === 0)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, 'stacking: no rows to fit the meta-learner on', { rows: 0 });
  if (d > MAX_NNLS_INPUTS)
    throw trainerError(
      TrainerErrorCodes.MODEL_PARAM_INVALID,
      `stacking: at most ${MAX_NNLS_INPUTS} members for the non-negative meta-learner, got ${d}`,
      { inputs: d },
    );
  const xMean = new Float64Array(d);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    yMean += y[i] as number;
    for (let j = 0; j < d; j++) xMean[j] = (xMean[j] as number) + (x.data[i * d + j] as number);
  }
  yMean /= n;
  for (let j = 0; j < d; j++) xMean[j] = (xMean[j] as number) / n;
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const yc = (y[i] as number) - yMean;
    for (let j = 0; j < d; j++) {
      const a = (x.data[i * d + j] as number) - (xMean[j] as number);
      rhs[j] = (rhs[j] as number) + a * yc;
      for (let l = 0; l < d; l++)
        gram[j * d + l] = (gram[j * d + l] as number) + a * ((x.data[i * d + l] as number) - (xMean[l] as number));
    }
  }
  let trace = 0;
  for (let j = 0; j < d; j++) trace += gram[j * d + j] as number;
  const alpha = Math.max((ridge * trace) / Math.max(d, 1), 1e-12);
  for (let j = 0; j < d; j++) gram[j * d + j] = (gram[j * d + j] as number) + alpha;

  // Objective on centred data: wᵀGw − 2cᵀw; at a subset's stationary point it is −cᵀw.
  let best = { weights: new Float64Array(d), objective: 0 };
  for (let mask = 1; mask < 1 << d; mask++) {
    const idx: number[] = [];
    for (let j = 0; j < d; j++) if (mask & (1 << j)) idx.push(j);
    const s = idx.length;
    const g = new Float64Array(s * s);
    const c = new Float64Array(s);
    idx.forEach((a, p) => {
      c[p] = rhs[a] as number;
      idx.forEach((b, q) => (g[p * s + q] = gram[a * d + b] as number));
    });
    const w = choleskySolve(g, c, s);
    if (!w.every((v) => v >= 0)) continue;
    let objective = 0;
    w.forEach((v, p) => (objective -= (c[p] as number) * v));
    if (objective < best.objective - 1e-12 * Math.abs(best.objective)) {
      const weights = new Float64Array(d);
      idx.forEach((a, p) => (weights[a] = w[p] as number));
      best = { weights, objective };
    }
  }
  let intercept = yMean;
  for (let j = 0; j < d; j++) intercept -= (best.weights[j] as number) * (xMean[j] as number);
  return { weights: best.weights, intercept };
}

/** Fits the task's meta-learner on stacked member predictions (rows that no member saw when predicting them). */
export async function fitStackMeta(
  task: Task,
  x: Matrix,
  y: Float64Array,
  opts: { seed: number; classes?: number },
): Promise<StackMeta> {
  if (x.rows === 0)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, 'stacking: no rows to fit the meta-learner on', { rows: 0 });
  if (task === 'regression') {
    const { weights, intercept } = fitNonNegative(x, y);
    return { learner: 'nnls', link: 'identity', weights, intercept: Float64Array.of(intercept) };
  }
  const ctx = { task, seed: opts.seed, ...(opts.classes !== undefined ? { classes: opts.classes } : {}) };
  const fitted = (await logisticLearner.fit(x, y, { C: META_C, max_iter: 500, tol: 1e-6 }, ctx)) as FittedModel & {
    weights: Float64Array;
    intercept: Float64Array;
  };
  return {
    learner: 'logistic',
    link: linkFor(task),
    weights: Float64Array.from(fitted.weights),
    intercept: Float64Array.from(fitted.intercept),
  };
}

export interface OutOfFold {
  /** Stacked member predictions, one row per training row (fold by fold, held rows in order). */
  x: Matrix;
  y: Float64Array;
  /** The run-table row of each stacked row: the CV folds' held rows, i.e. the training rows. */
  rows: number[];
  /** The fold each stacked row was held out of. */
  fold: Int32Array;
}

/**
 * The meta-learner's rows: for each CV fold, the members' predictions of the fold's HELD rows by the
 * member fitted without them. `memberFolds[m][f]` is member m's prediction of `designs[f].held`.
 */
export function outOfFold(
  designs: readonly Design[],
  memberFolds: readonly (readonly Float64Array[])[],
  width: number,
): OutOfFold {
  const parts = designs.map((d, f) =>
    stackFeatures(
      memberFolds.map((folds) => folds[f] as Float64Array),
      d.held.rows.length,
      width,
    ),
  );
  const rows = designs.flatMap((d) => d.held.rows);
  const cols = parts[0]?.cols ?? 0;
  const data = new Float64Array(rows.length * cols);
  const y = new Float64Array(rows.length);
  const fold = new Int32Array(rows.length);
  let at = 0;
  parts.forEach((p, f) => {
    data.set(p.data, at * cols);
    y.set((designs[f] as Design).held.y, at);
    fold.fill(f, at, at + p.rows);
    at += p.rows;
  });
  return { x: { data, rows: rows.length, cols }, y, rows, fold };
}

/**
 * CV score of stacking from the members' held-out fold predictions, no member refit: for each fold,
 * the meta-learner is fitted on the other folds' out-of-fold rows and scores this fold's. (The
 * members that predicted the other folds saw this fold's rows; the meta-learner has a handful of
 * weights, so this is the usual cheap estimate rather than a nested CV.)
 */
export async function stackingFoldScores(
  task: Task,
  oof: OutOfFold,
  folds: number,
  score: (y: Float64Array, p: Float64Array) => number,
  opts: { seed: number; classes?: number },
): Promise<number[]> {
  const predictions = await stackingFoldPredictions(task, oof, folds, opts);
  return predictions.map((p, f) => {
    const y: number[] = [];
    for (let i = 0; i < oof.rows.length; i++) if (oof.fold[i] === f) y.push(oof.y[i] as number);
    return score(Float64Array.from(y), p);
  });
}

/** The stacking ensemble's prediction of each fold's held rows (in `outOfFold` order), as `stackingFoldScores` scores them. */
export async function stackingFoldPredictions(
  task: Task,
  oof: OutOfFold,
  folds: number,
  opts: { seed: number; classes?: number },
): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (let f = 0; f < folds; f++) {
    const fit: number[] = [];
    const held: number[] = [];
    for (let i = 0; i < oof.rows.length; i++) (oof.fold[i] === f ? held : fit).push(i);
    const take = (idx: number[]): Matrix => {
      const data = new Float64Array(idx.length * oof.x.cols);
      idx.forEach((r, i) => data.set(oof.x.data.subarray(r * oof.x.cols, (r + 1) * oof.x.cols), i * oof.x.cols));
      return { data, rows: idx.length, cols: oof.x.cols };
    };
    const meta = await fitStackMeta(
      task,
      take(fit),
      Float64Array.from(fit, (r) => oof.y[r] as number),
      { ...opts, seed: opts.seed + f },
    );
    out.push(applyMeta(meta, take(held)));
  }
  return out;
}
