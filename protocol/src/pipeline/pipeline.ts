/**
 * A fitted preprocessing pipeline as data (format `outpost-spec-pipeline/1`, what the trainer's
 * `fitSpecPipeline` produces) and the pure half of it: applying the fitted steps to raw rows. The
 * trainer fits the steps and applies them with these functions; the device applies them before a
 * model that takes the design vector (the TFLite engine). Order of application is the order of
 * `steps`; the design matrix is `features`, in order, each a numeric column the steps made.
 */
import { OutpostError } from '../errors.ts';
import { PipelineErrorCodes, pipelineStepError } from './errors.ts';
import { f32, rawNumber, type PipelineFrame, type PipelineInput } from './frame.ts';
import { applyBin, type FittedBin } from './steps/bin.ts';
import { applyCapped, type FittedCapped } from './steps/capped.ts';
import { applyClip, type FittedClip } from './steps/clip.ts';
import { applyClusterSimilarity, type FittedClusterSimilarity } from './steps/cluster-similarity.ts';
import { applyImpute, type FittedImpute } from './steps/impute.ts';
import { applyLog, type FittedLog } from './steps/log.ts';
import { applyOneHot, type FittedOneHot } from './steps/onehot.ts';
import { applyOrdinal, type FittedOrdinal } from './steps/ordinal.ts';
import { applyRatio, type FittedRatio } from './steps/ratio.ts';
import { applyRotate, type FittedRotate } from './steps/rotate.ts';
import { applyScale, type FittedScale } from './steps/scale.ts';

export const SPEC_PIPELINE_FORMAT = 'outpost-spec-pipeline/1';

/** Every step kind this package can apply. */
export type PipelineStep =
  | FittedCapped
  | FittedImpute
  | FittedClip
  | FittedRatio
  | FittedLog
  | FittedBin
  | FittedRotate
  | FittedClusterSimilarity
  | FittedOrdinal
  | FittedOneHot
  | FittedScale;
export type PipelineStepOp = PipelineStep['op'];

export const PIPELINE_STEP_OPS: readonly PipelineStepOp[] = [
  'capped',
  'impute',
  'clip',
  'ratio',
  'log',
  'bin',
  'rotate',
  'cluster_similarity',
  'ordinal',
  'onehot',
  'scale',
];

export function isKnownStepOp(op: unknown): op is PipelineStepOp {
  return typeof op === 'string' && (PIPELINE_STEP_OPS as readonly string[]).includes(op);
}

/** A fitted pipeline whose steps are all of kinds this package knows. */
export interface FittedPipeline {
  format: typeof SPEC_PIPELINE_FORMAT;
  /** The raw features read, in column order. */
  inputs: PipelineInput[];
  /** Fitted steps in application order. */
  steps: PipelineStep[];
  /** Design-matrix column names, in order. */
  features: string[];
}

export function unknownStepError(op: unknown, index: number): OutpostError {
  const name = typeof op === 'string' ? op : (JSON.stringify(op) ?? String(op));
  return new OutpostError(
    PipelineErrorCodes.STEP_UNKNOWN,
    `preprocessing step ${index} has kind ${name}, which this runtime cannot apply (known: ${PIPELINE_STEP_OPS.join(', ')})`,
    {
      details: { op: name, index, known: [...PIPELINE_STEP_OPS] },
    },
  );
}

/** Applies one fitted step to the frame, in place. */
export function applyStep(s: PipelineStep, frame: PipelineFrame, index = -1): void {
  switch (s.op) {
    case 'capped':
      return applyCapped(s, frame);
    case 'impute':
      return applyImpute(s, frame);
    case 'clip':
      return applyClip(s, frame);
    case 'ratio':
      return applyRatio(s, frame);
    case 'log':
      return applyLog(s, frame);
    case 'bin':
      return applyBin(s, frame);
    case 'rotate':
      return applyRotate(s, frame);
    case 'cluster_similarity':
      return applyClusterSimilarity(s, frame);
    case 'ordinal':
      return applyOrdinal(s, frame);
    case 'onehot':
      return applyOneHot(s, frame);
    case 'scale':
      return applyScale(s, frame);
    default:
      // A pipeline built by a newer trainer (or read from JSON) may carry a kind this code lacks.
      throw unknownStepError((s as { op?: unknown }).op, index);
  }
}

/**
 * The frame of raw rows as a device feeds its engine: a number for a numeric input is rounded to
 * float32 and anything non-finite or not a number is missing (NaN); a string input takes strings,
 * numbers as their String() form (as the onnxruntime engine feeds them), anything else is missing ('').
 */
export function frameFromRows(
  inputs: readonly PipelineInput[],
  rows: readonly Readonly<Record<string, unknown>>[],
): PipelineFrame {
  const frame: PipelineFrame = {
    rows: rows.length,
    numeric: new Map(),
    categorical: new Map(),
    order: inputs.map((i) => i.name),
  };
  for (const { name, kind } of inputs) {
    if (kind === 'numeric') {
      frame.numeric.set(
        name,
        Float64Array.from(rows, (r) => {
          const v = r[name];
          return typeof v === 'number' ? rawNumber(v) : NaN;
        }),
      );
    } else {
      frame.categorical.set(
        name,
        rows.map((r) => {
          const v = r[name];
          return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
        }),
      );
    }
  }
  return frame;
}

/** Applies every step, in order, to the frame (in place). */
export function applySteps(steps: readonly PipelineStep[], frame: PipelineFrame): void {
  steps.forEach((s, i) => applyStep(s, frame, i));
}

/** The design columns of a frame the steps have run on, row-major [rows × features.length] float32. */
export function designOf(frame: PipelineFrame, features: readonly string[]): Float32Array {
  const cols = features.length;
  const out = new Float32Array(frame.rows * cols);
  features.forEach((name, j) => {
    const col = frame.numeric.get(name);
    if (!col) throw pipelineStepError('features', name, 'the fitted pipeline does not produce this column');
    for (let i = 0; i < frame.rows; i++) out[i * cols + j] = f32(col[i] as number);
  });
  return out;
}

/** Raw rows → the design matrix, row-major float32 [rows.length × features.length]. */
export function applyPipeline(p: FittedPipeline, rows: readonly Readonly<Record<string, unknown>>[]): Float32Array {
  const frame = frameFromRows(p.inputs, rows);
  applySteps(p.steps, frame);
  return designOf(frame, p.features);
}
