import { f32, numericColumn, type PipelineFrame } from '../frame.ts';

/**
 * log(x + offset) in place. Arguments ≤ LOG_EPSILON (x ≤ −offset) are raised to LOG_EPSILON so a
 * device value below the training range gives a large negative number, never NaN or −∞.
 */
export interface FittedLog {
  op: 'log';
  column: string;
  /** float32. */
  offset: number;
}

export const LOG_EPSILON = f32(1e-6);

export function applyLog(s: FittedLog, frame: PipelineFrame): void {
  const col = numericColumn(frame, s.column, 'log');
  for (let i = 0; i < col.length; i++)
    col[i] = f32(Math.log(Math.max(f32((col[i] as number) + s.offset), LOG_EPSILON)));
}
