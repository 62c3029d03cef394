/**
 * k-fold cross-validation on the training rows. The spec's preprocessing is
 * refitted inside every fold on that fold's training rows only — imputation medians, one-hot
 * categories and scaling never see the fold's held-out rows — and each fold's design matrices are
 * built once (in the calling thread) and shared by every candidate. The folds of a candidate are fitted
 * on worker threads (`n_jobs`, default 2; parallel-fits.ts) with the same scores, bit for bit, as
 * fitting them one after the other.
 */
import type { Column, NumericColumn } from '../data/dataset.ts';
import type { Table } from '../data/load.ts';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { metricByName } from '../eval/metrics.ts';
import type { FitContext, Matrix } from '../models/learner.ts';
import { fitSpecPipeline, transform, type SpecPipeline } from '../preprocess/spec-pipeline.ts';
import { mulberry32, shuffled } from '../random.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import type { Candidate, Params } from './candidates.ts';
import { fitEach, type ParallelOptions } from './parallel-fits.ts';

/** The rows training may see (train + validation, never the locked test rows), ready to design. */
export interface RunData {
  spec: ProblemSpec;
  table: Table;
  /** The spec's feature columns of `table`. */
  columns: Column[];
  /** Encoded target of `table` (class indices for classification). */
  target: NumericColumn;
  classes?: string[];
}

export interface DesignSet {
  x: Matrix;
  y: Float64Array;
  /** Row indices into the run table. */
  rows: number[];
}

export interface Design {
  pipeline: SpecPipeline;
  train: DesignSet;
  /** Held-out rows transformed by the pipeline fitted on `train` (empty when none were given). */
  held: DesignSet;
}

export interface Fold {
  train: number[];
  validation: number[];
}

export interface CvScore {
  mean: number;
  std: number;
  folds: number[];
}

export interface CvResult extends CvScore {
  /** Held-out predictions per fold (what the averaging ensemble's CV reuses). */
  predictions: Float64Array[];
}

function pick(values: Float64Array, rows: readonly number[]): Float64Array {
  return Float64Array.from(rows, (r) => values[r] as number);
}

/** Fits the spec pipeline on `fitRows` and designs those rows (after row-level cleaning) and `heldRows`. */
export function fitDesign(data: RunData, fitRows: readonly number[], heldRows: readonly number[] = []): Design {
  const { spec } = data;
  const fit = fitSpecPipeline({
    columns: data.columns,
    rows: fitRows,
    cleaning: spec.cleaning,
    features: spec.feature_steps,
    target: data.target,
  });
  const trainRows = fit.trainRows;
  const held = [...heldRows];
  return {
    pipeline: fit.pipeline,
    train: {
      x: transform(fit.pipeline, data.columns, trainRows),
      y: pick(data.target.values, trainRows),
      rows: trainRows,
    },
    held: { x: transform(fit.pipeline, data.columns, held), y: pick(data.target.values, held), rows: held },
  };
}

/**
 * k disjoint folds covering `rows`. Classification folds are stratified by label (each class dealt
 * round-robin after a seeded shuffle) so every fold sees every class.
 */
export function kFolds(rows: readonly number[], k: number, seed: number, strata?: ArrayLike<number>): Fold[] {
  if (!(Number.isInteger(k) && k >= 2))
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `cross-validation needs k ≥ 2 folds, got ${k}`, { folds: k });
  if (rows.length < k)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `cannot make ${k} folds from ${rows.length} rows`, {
      rows: rows.length,
      folds: k,
    });
  const groups = new Map<number, number[]>();
  for (const r of rows) {
    const key = strata ? (strata[r] as number) : 0;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const rng = mulberry32(seed);
  const assigned: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    for (const r of shuffled(groups.get(key) as number[], rng)) {
      (assigned[next] as number[]).push(r);
      next = (next + 1) % k;
    }
  }
  const byIndex = (a: number, b: number): number => a - b;
  return assigned.map((held, f) => ({
    validation: [...held].sort(byIndex),
    train: assigned.flatMap((g, j) => (j === f ? [] : g)).sort(byIndex),
  }));
}

export function foldDesigns(data: RunData, folds: readonly Fold[]): Design[] {
  return folds.map((f) => fitDesign(data, f.train, f.validation));
}

export function fitContext(data: RunData, seed: number, columnNames?: readonly string[]): FitContext {
  const ctx: FitContext = { task: data.spec.task, seed };
  if (data.classes) ctx.classes = data.classes.length;
  if (columnNames) ctx.columnNames = columnNames;
  return ctx;
}

/** `nJobs`: threads fitting the folds (1: one after the other in this thread); `pool`: workers shared across calls. */
export type CvOptions = ParallelOptions;

/**
 * Scores a candidate with `params` on every fold: fit on the fold's training rows, score its held
 * rows. Fold f is fitted with seed `seed + f` wherever it runs.
 */
export async function crossValidate(
  data: RunData,
  designs: readonly Design[],
  candidate: Candidate,
  params: Params,
  seed: number,
  opts: CvOptions = {},
): Promise<CvResult> {
  const metric = metricByName(data.spec.metric);
  const jobs = designs.map((d, f) => ({
    x: d.train.x,
    y: d.train.y,
    held: d.held.x,
    params,
    ctx: fitContext(data, seed + f, d.pipeline.features),
  }));
  const predictions = await fitEach(candidate, jobs, opts);
  const folds = predictions.map((p, f) => metric.fn((designs[f] as Design).held.y, p));
  return { ...summarise(folds), predictions };
}

export function summarise(folds: readonly number[]): CvScore {
  const n = folds.length;
  const mean = folds.reduce((s, v) => s + v, 0) / n;
  const std = Math.sqrt(folds.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  return { mean, std, folds: [...folds] };
}
