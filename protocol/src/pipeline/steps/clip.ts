import { numericColumn, type PipelineFrame } from '../frame.ts';

/** Clips one (imputed) numeric column to [lo, hi]; bounds are float32 numbers, as in the graph. */
export interface FittedClip {
  op: 'clip';
  column: string;
  lo: number;
  hi: number;
}

export function applyClip(s: FittedClip, frame: PipelineFrame): void {
  const col = numericColumn(frame, s.column, 'clip');
  for (let i = 0; i < col.length; i++) col[i] = Math.min(Math.max(col[i] as number, s.lo), s.hi);
}
