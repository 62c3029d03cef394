/**
 * The working table the preprocessing steps read and extend: named columns of equal length.
 * Numeric values are float32 numbers held in float64 (`f32` after every operation), because the
 * ONNX graph computes in float32: the in-process transform then compares and rounds exactly as the
 * device does, so a value sitting on a bin edge or a cap falls on the same side in both.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import type { OutpostError } from '@outpost/protocol';
import type { Column, RawRecord } from '../../data/dataset.ts';

export const f32 = Math.fround;

export interface Frame {
  rows: number;
  numeric: Map<string, Float64Array>;
  /** '' marks a missing category. */
  categorical: Map<string, string[]>;
  /** Column names in design-matrix order. */
  order: string[];
}

/** A raw feature the pipeline reads: a graph input on the device. */
export interface RawInput {
  name: string;
  kind: 'numeric' | 'categorical';
}

export function stepError(op: string, column: string, message: string): OutpostError {
  return trainerError(TrainerErrorCodes.PREPROCESS_STEP_INVALID, `preprocessing step ${op} (${column}): ${message}`, { step: op, column });
}

/** A raw number as the device feeds it: float32, and anything non-finite is missing (NaN). */
export function rawNumber(x: number): number {
  const v = f32(x);
  return Number.isFinite(v) ? v : NaN;
}

export function numericColumn(frame: Frame, name: string, op: string): Float64Array {
  const col = frame.numeric.get(name);
  if (col) return col;
  throw stepError(op, name, frame.categorical.has(name) ? 'the column is categorical, a number is needed' : 'no such column');
}

export function categoricalColumn(frame: Frame, name: string, op: string): string[] {
  const col = frame.categorical.get(name);
  if (col) return col;
  throw stepError(op, name, frame.numeric.has(name) ? 'the column is numeric, a category is needed' : 'no such column');
}

function assertNew(frame: Frame, name: string, op: string): void {
  if (frame.numeric.has(name) || frame.categorical.has(name)) throw stepError(op, name, 'a column with this name already exists');
}

/** Appends a new numeric column at the end of the design order. */
export function addNumeric(frame: Frame, name: string, values: Float64Array, op: string): void {
  assertNew(frame, name, op);
  frame.numeric.set(name, values);
  frame.order.push(name);
}

/** Replaces categorical column `name` in place (same position) by numeric columns. */
export function replaceCategorical(frame: Frame, name: string, columns: readonly (readonly [string, Float64Array])[], op: string): void {
  const at = frame.order.indexOf(name);
  frame.categorical.delete(name);
  for (const [n] of columns) if (n !== name) assertNew(frame, n, op);
  for (const [n, v] of columns) frame.numeric.set(n, v);
  frame.order.splice(at, 1, ...columns.map(([n]) => n));
}

/** Sorted non-NaN values of a column. */
export function sortedValues(values: Float64Array): Float64Array {
  return Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
}

/** The frame of dataset rows `rows` for the pipeline's raw inputs (columns found by name). */
export function frameFromColumns(inputs: readonly RawInput[], columns: readonly Column[], rows: ArrayLike<number>): Frame {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const frame: Frame = { rows: rows.length, numeric: new Map(), categorical: new Map(), order: inputs.map((i) => i.name) };
  for (const input of inputs) {
    const col = byName.get(input.name);
    if (col?.kind !== input.kind) {
      throw trainerError(TrainerErrorCodes.DATA_COLUMN_MISSING, `no ${input.kind} column "${input.name}" for the preprocessing pipeline`, { columnName: input.name });
    }
    if (col.kind === 'numeric') frame.numeric.set(input.name, Float64Array.from({ length: rows.length }, (_, i) => rawNumber(col.values[rows[i] as number] as number)));
    else frame.categorical.set(input.name, Array.from({ length: rows.length }, (_, i) => col.values[rows[i] as number] as string));
  }
  return frame;
}

/** The frame of raw records: null, absent or wrongly typed values are missing, as on the device. */
export function frameFromRecords(inputs: readonly RawInput[], records: readonly RawRecord[]): Frame {
  const frame: Frame = { rows: records.length, numeric: new Map(), categorical: new Map(), order: inputs.map((i) => i.name) };
  for (const { name, kind } of inputs) {
    if (kind === 'numeric') {
      frame.numeric.set(name, Float64Array.from(records, (r) => { const v = r[name]; return typeof v === 'number' ? rawNumber(v) : NaN; }));
    } else {
      frame.categorical.set(name, records.map((r) => { const v = r[name]; return typeof v === 'string' ? v : ''; }));
    }
  }
  return frame;
}
