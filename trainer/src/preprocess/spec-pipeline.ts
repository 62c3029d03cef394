/**
 * The preprocessing a problem spec declares (cleaning + feature steps), fitted on training rows
 * only, as plain JSON the ONNX exporter writes into the graph (`onnx/preprocess-graph.ts`).
 *
 * Order of application, whatever the order in the spec:
 *  1. row-level, at fit time, on the training rows only: drop_duplicates, then capped 'drop'
 *     (capped 'flag' on the target only marks rows, for reports);
 *  2. raw inputs: numbers become float32 (what the device feeds), non-finite → missing;
 *  3. capped 'flag' on a feature: `<col>_capped` = raw value ≥ cap (missing → 0);
 *  4. impute (spec order), then median imputation of every numeric input the spec left out — a
 *     device can always send null; `_missing` indicators are appended;
 *  5. clip;
 *  6. engineered features in spec order (ratio, log in place, bin, rotate, cluster_similarity),
 *     each able to read the columns made before it;
 *  7. encodings: ordinal, then one-hot; a categorical column neither encodes is one-hot encoded;
 *  8. scale (standard: every design column, training mean / std, std 0 → 1).
 * Design columns: raw inputs in order (a categorical replaced in place by its encoding), then new
 * columns in the order the steps made them. Every fitted statistic is taken from the rows that
 * survive step 1, each stage fitted on the previous stage's output. All values are float32 numbers,
 * rounded after each operation, so the graph computes the same matrix (see `steps/frame.ts`).
 */
import { SPEC_PIPELINE_FORMAT, type PipelineStep } from '@outpost/protocol';
import { applyStep as applyPipelineStep } from '@outpost/protocol';
import type { Column, NumericColumn, RawRecord } from '../data/dataset.ts';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { Matrix } from '../models/learner.ts';
import type { CleaningStep, FeatureStep } from '../spec/steps.ts';
import { fitBin, type FittedBin } from './steps/bin.ts';
import { assertCapIsCap, capOf, fitCappedFlag, splitCapped, type FittedCapped } from './steps/capped.ts';
import { fitClip, type FittedClip } from './steps/clip.ts';
import { fitClusterSimilarity, type FittedClusterSimilarity } from './steps/cluster-similarity.ts';
import { dropDuplicateRows } from './steps/drop-duplicates.ts';
import {
  frameFromColumns,
  frameFromRecords,
  stepError,
  trainerCoded,
  type Frame,
  type RawInput,
} from './steps/frame.ts';
import { defaultImpute, fitImpute, type FittedImpute } from './steps/impute.ts';
import { fitLog, type FittedLog } from './steps/log.ts';
import { fitOneHot, type FittedOneHot } from './steps/onehot.ts';
import { fitOrdinal, type FittedOrdinal } from './steps/ordinal.ts';
import { fitRatio, type FittedRatio } from './steps/ratio.ts';
import { fitRotate, type FittedRotate } from './steps/rotate.ts';
import { fitScale, type FittedScale } from './steps/scale.ts';

export type { RawInput } from './steps/frame.ts';
export type {
  FittedBin,
  FittedCapped,
  FittedClip,
  FittedClusterSimilarity,
  FittedImpute,
  FittedLog,
  FittedOneHot,
  FittedOrdinal,
  FittedRatio,
  FittedRotate,
  FittedScale,
};

/** A fitted step: the protocol's own union, the form the device applies. */
export type FittedStep = PipelineStep;
export { SPEC_PIPELINE_FORMAT };

export interface SpecPipeline {
  format: typeof SPEC_PIPELINE_FORMAT;
  /** The raw features read (graph inputs), in column order. */
  inputs: RawInput[];
  /** Fitted steps in application order. */
  steps: FittedStep[];
  /** Design-matrix column names, in order. */
  features: string[];
}

export interface FitSpecPipelineOptions {
  /** Raw feature columns (the target excluded). */
  columns: readonly Column[];
  /** Training row indices: the only rows statistics come from. */
  rows: readonly number[];
  cleaning?: readonly CleaningStep[];
  features?: readonly FeatureStep[];
  /** Needed for capped steps on the target (and makes drop_duplicates compare it too). */
  target?: NumericColumn;
  /** Seeds the steps that draw random numbers (cluster_similarity's k-means) unless a step gives its own; default 0. */
  seed?: number;
}

export interface SpecPipelineFit {
  pipeline: SpecPipeline;
  /** Training rows after the row-level steps, in the given order. */
  trainRows: number[];
  dropped: { duplicates: number[]; capped: number[] };
  /** Capped 'flag' on the target: the cap and the training rows at or above it (for reports). */
  targetFlags: { column: string; cap: number; rows: number[] }[];
}

export function fitSpecPipeline(options: FitSpecPipelineOptions): SpecPipelineFit {
  const { columns, target } = options;
  const cleaning = options.cleaning ?? [];
  const featureSteps = options.features ?? [];
  const names = new Set(columns.map((c) => c.name));
  if (names.size !== columns.length)
    throw stepError('input', columns.map((c) => c.name).join(','), 'duplicate column names');
  if (options.rows.length === 0)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, 'no training rows to fit the preprocessing on');

  // 1. Row-level steps, training rows only.
  let rows = [...options.rows];
  const dropped = { duplicates: [] as number[], capped: [] as number[] };
  if (cleaning.some((s) => s.op === 'drop_duplicates')) {
    const r = dropDuplicateRows(target ? [...columns, target] : columns, rows);
    rows = r.kept;
    dropped.duplicates = r.dropped;
  }
  const featureFlags: { step: CleaningStep & { op: 'capped' }; cap: number }[] = [];
  const targetFlags: { column: string; cap: number }[] = [];
  for (const step of cleaning) {
    if (step.op !== 'capped') continue;
    const isTarget = target !== undefined && step.column === target.name;
    const col = isTarget ? target : columns.find((c) => c.name === step.column);
    if (col?.kind !== 'numeric')
      throw stepError('capped', step.column, col ? 'the column is not numeric' : 'no such column');
    const cap = capOf(step, col.values, rows);
    if (step.action === 'drop') {
      const r = splitCapped(col.values, rows, cap);
      assertCapIsCap(step, r.capped.length, rows.length);
      rows = r.kept;
      dropped.capped.push(...r.capped);
    } else if (isTarget) targetFlags.push({ column: step.column, cap });
    else featureFlags.push({ step, cap });
  }
  if (rows.length === 0)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, 'no training rows left after the row-level cleaning steps');

  // 2–8. Column steps, each fitted on the training frame as the previous stages left it.
  const inputs: RawInput[] = columns.map((c) => ({ name: c.name, kind: c.kind }));
  const frame = frameFromColumns(inputs, columns, rows);
  const steps: FittedStep[] = [];
  const add = (s: FittedStep): void => {
    applyStep(s, frame);
    steps.push(s);
  };
  for (const { step, cap } of featureFlags) add(fitCappedFlag(step, frame, cap));
  const imputed = new Set<string>();
  const rawNames = inputs.map((i) => i.name);
  for (const step of cleaning) if (step.op === 'impute') fitImpute(step, frame, rawNames, imputed).forEach(add);
  for (const { name, kind } of inputs)
    if (kind === 'numeric' && !imputed.has(name)) add(defaultImpute(name, frame.numeric.get(name) as Float64Array));
  for (const step of cleaning) if (step.op === 'clip') fitClip(step, frame).forEach(add);
  for (const step of featureSteps) {
    if (step.op === 'ratio') add(fitRatio(step, frame));
    else if (step.op === 'log') fitLog(step, frame).forEach(add);
    else if (step.op === 'bin') add(fitBin(step, frame));
    else if (step.op === 'rotate') add(fitRotate(step, frame));
    else if (step.op === 'cluster_similarity') add(fitClusterSimilarity(step, frame, options.seed));
  }
  for (const step of featureSteps) if (step.op === 'ordinal') add(fitOrdinal(step, frame));
  for (const step of featureSteps) {
    if (step.op === 'onehot') for (const c of step.columns ?? categoricalNames(frame)) add(fitOneHot(c, frame));
  }
  for (const c of categoricalNames(frame)) add(fitOneHot(c, frame));
  const scale = featureSteps.filter((s) => s.op === 'scale').at(-1);
  if (scale?.method === 'standard') add(fitScale(frame));
  if (frame.order.length === 0) throw stepError('features', '*', 'the pipeline produces no design columns');

  const pipeline: SpecPipeline = { format: SPEC_PIPELINE_FORMAT, inputs, steps, features: [...frame.order] };
  const flags = targetFlags.map((f) => ({
    ...f,
    rows: splitCapped((target as NumericColumn).values, rows, f.cap).capped,
  }));
  return { pipeline, trainRows: rows, dropped, targetFlags: flags };
}

function categoricalNames(frame: Frame): string[] {
  return frame.order.filter((n) => frame.categorical.has(n));
}

/** One fitted step applied to the frame: the dispatcher of @outpost/protocol (shared with the device), with trainer error codes. */
const applyStep: (s: FittedStep, frame: Frame) => void = trainerCoded((s: FittedStep, frame: Frame) =>
  applyPipelineStep(s, frame),
);

function run(p: SpecPipeline, frame: Frame): Matrix {
  for (const s of p.steps) applyStep(s, frame);
  const cols = p.features.length;
  const data = new Float64Array(frame.rows * cols);
  p.features.forEach((name, j) => {
    const col = frame.numeric.get(name);
    if (!col) throw stepError('features', name, 'the fitted pipeline does not produce this column');
    for (let i = 0; i < frame.rows; i++) data[i * cols + j] = col[i] as number;
  });
  return { data, rows: frame.rows, cols };
}

/** The design matrix of dataset rows `rowIndices` (columns found by name). */
export function transform(p: SpecPipeline, columns: readonly Column[], rowIndices: ArrayLike<number>): Matrix {
  return run(p, frameFromColumns(p.inputs, columns, rowIndices));
}

/** The design matrix of raw records as a device sends them: null, absent or mistyped → missing. */
export function transformRecords(p: SpecPipeline, records: readonly RawRecord[]): Matrix {
  return run(p, frameFromRecords(p.inputs, records));
}

export function designColumnNames(p: SpecPipeline): string[] {
  return [...p.features];
}
