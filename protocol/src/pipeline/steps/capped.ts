import { addNumeric, type PipelineFrame } from '../frame.ts';
import { pipelineStepError } from '../errors.ts';

/** `<column>_capped` = 1 where the raw value is ≥ cap (missing → 0), computed before imputation. */
export interface FittedCapped {
  op: 'capped';
  column: string;
  name: string;
  /** float32. */
  cap: number;
}

export function applyCapped(s: FittedCapped, frame: PipelineFrame): void {
  const col = frame.numeric.get(s.column);
  if (!col) throw pipelineStepError('capped', s.column, 'the column is not a numeric feature');
  // NaN ≥ cap is false, in JavaScript and in ONNX GreaterOrEqual alike.
  addNumeric(
    frame,
    s.name,
    col.map((v) => (v >= s.cap ? 1 : 0)),
    'capped',
  );
}
