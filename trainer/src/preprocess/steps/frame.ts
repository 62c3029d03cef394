/**
 * The working table the preprocessing steps read and extend (`PipelineFrame` of @outpost/protocol):
 * named columns of equal length. Numeric values are float32 numbers held in float64 (`f32` after
 * every operation), because the ONNX graph computes in float32: the in-process transform then
 * compares and rounds exactly as the device does, so a value sitting on a bin edge or a cap falls on
 * the same side in both.
 *
 * The column helpers and every step's apply half live in @outpost/protocol (protocol/src/pipeline),
 * shared with the device; here they are re-coded to the trainer's OUTPOST_ERR_PREPROCESS_STEP_INVALID.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import {
  PipelineErrorCodes,
  addNumeric as addNumericShared,
  categoricalColumn as categoricalColumnShared,
  isOutpostError,
  numericColumn as numericColumnShared,
  rawNumber,
  replaceCategorical as replaceCategoricalShared,
  type OutpostError,
  type PipelineFrame,
  type PipelineInput,
} from '@outpost/protocol';
import type { Column, RawRecord } from '../../data/dataset.ts';

export { f32, rawNumber } from '@outpost/protocol';

export type Frame = PipelineFrame;

/** A raw feature the pipeline reads: a graph input on the device. */
export type RawInput = PipelineInput;

export function stepError(op: string, column: string, message: string): OutpostError {
  return trainerError(TrainerErrorCodes.PREPROCESS_STEP_INVALID, `preprocessing step ${op} (${column}): ${message}`, {
    step: op,
    column,
  });
}

/** `fn` with the shared pipeline's step errors re-thrown as the trainer's `stepError`. */
export function trainerCoded<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch (err) {
      if (isOutpostError(err, PipelineErrorCodes.STEP_INVALID))
        throw stepError(String(err.details.step), String(err.details.column), String(err.details.reason));
      throw err;
    }
  };
}

export const numericColumn: (frame: Frame, name: string, op: string) => Float64Array =
  trainerCoded(numericColumnShared);
export const categoricalColumn: (frame: Frame, name: string, op: string) => string[] =
  trainerCoded(categoricalColumnShared);
/** Appends a new numeric column at the end of the design order. */
export const addNumeric: (frame: Frame, name: string, values: Float64Array, op: string) => void =
  trainerCoded(addNumericShared);
/** Replaces categorical column `name` in place (same position) by numeric columns. */
export const replaceCategorical: (
  frame: Frame,
  name: string,
  columns: readonly (readonly [string, Float64Array])[],
  op: string,
) => void = trainerCoded(replaceCategoricalShared);

/** Sorted non-NaN values of a column. */
export function sortedValues(values: Float64Array): Float64Array {
  return Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
}

/** The frame of dataset rows `rows` for the pipeline's raw inputs (columns found by name). */
export function frameFromColumns(
  inputs: readonly RawInput[],
  columns: readonly Column[],
  rows: ArrayLike<number>,
): Frame {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const frame: Frame = {
    rows: rows.length,
    numeric: new Map(),
    categorical: new Map(),
    order: inputs.map((i) => i.name),
  };
  for (const input of inputs) {
    const col = byName.get(input.name);
    if (col?.kind !== input.kind) {
      throw trainerError(
        TrainerErrorCodes.DATA_COLUMN_MISSING,
        `no ${input.kind} column "${input.name}" for the preprocessing pipeline`,
        { columnName: input.name },
      );
    }
    if (col.kind === 'numeric')
      frame.numeric.set(
        input.name,
        Float64Array.from({ length: rows.length }, (_, i) => rawNumber(col.values[rows[i] as number] as number)),
      );
    else
      frame.categorical.set(
        input.name,
        Array.from({ length: rows.length }, (_, i) => col.values[rows[i] as number] as string),
      );
  }
  return frame;
}

/** The frame of raw records: null, absent or wrongly typed values are missing, as on the device. */
export function frameFromRecords(inputs: readonly RawInput[], records: readonly RawRecord[]): Frame {
  const frame: Frame = {
    rows: records.length,
    numeric: new Map(),
    categorical: new Map(),
    order: inputs.map((i) => i.name),
  };
  for (const { name, kind } of inputs) {
    if (kind === 'numeric') {
      frame.numeric.set(
        name,
        Float64Array.from(records, (r) => {
          const v = r[name];
          return typeof v === 'number' ? rawNumber(v) : NaN;
        }),
      );
    } else {
      frame.categorical.set(
        name,
        records.map((r) => {
          const v = r[name];
          return typeof v === 'string' ? v : '';
        }),
      );
    }
  }
  return frame;
}
