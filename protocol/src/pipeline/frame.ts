/**
 * The working table a fitted pipeline's steps read and extend: named columns of equal length.
 * Numeric values are float32 numbers held in float64 (`f32` after every operation), because the
 * ONNX graph computes in float32: applying the steps here then compares and rounds exactly as the
 * graph does, so a value sitting on a bin edge or a cap falls on the same side in both.
 */
import { pipelineStepError } from './errors.ts';

export const f32 = Math.fround;

export interface PipelineFrame {
  rows: number;
  numeric: Map<string, Float64Array>;
  /** '' marks a missing category. */
  categorical: Map<string, string[]>;
  /** Column names in design-matrix order. */
  order: string[];
}

/** A raw feature the pipeline reads: one graph input (ONNX) or one manifest input. */
export interface PipelineInput {
  name: string;
  kind: 'numeric' | 'categorical';
}

/** A raw number as the device feeds it: float32, and anything non-finite is missing (NaN). */
export function rawNumber(x: number): number {
  const v = f32(x);
  return Number.isFinite(v) ? v : NaN;
}

export function numericColumn(frame: PipelineFrame, name: string, op: string): Float64Array {
  const col = frame.numeric.get(name);
  if (col) return col;
  throw pipelineStepError(
    op,
    name,
    frame.categorical.has(name) ? 'the column is categorical, a number is needed' : 'no such column',
  );
}

export function categoricalColumn(frame: PipelineFrame, name: string, op: string): string[] {
  const col = frame.categorical.get(name);
  if (col) return col;
  throw pipelineStepError(
    op,
    name,
    frame.numeric.has(name) ? 'the column is numeric, a category is needed' : 'no such column',
  );
}

function assertNew(frame: PipelineFrame, name: string, op: string): void {
  if (frame.numeric.has(name) || frame.categorical.has(name))
    throw pipelineStepError(op, name, 'a column with this name already exists');
}

/** Appends a new numeric column at the end of the design order. */
export function addNumeric(frame: PipelineFrame, name: string, values: Float64Array, op: string): void {
  assertNew(frame, name, op);
  frame.numeric.set(name, values);
  frame.order.push(name);
}

/** Replaces categorical column `name` in place (same position) by numeric columns. */
export function replaceCategorical(
  frame: PipelineFrame,
  name: string,
  columns: readonly (readonly [string, Float64Array])[],
  op: string,
): void {
  const at = frame.order.indexOf(name);
  frame.categorical.delete(name);
  for (const [n] of columns) if (n !== name) assertNew(frame, n, op);
  for (const [n, v] of columns) frame.numeric.set(n, v);
  frame.order.splice(at, 1, ...columns.map(([n]) => n));
}
