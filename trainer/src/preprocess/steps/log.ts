import type { z } from 'zod';
import type { LogStep } from '../../spec/steps.ts';
import { f32, numericColumn, type Frame } from './frame.ts';

/**
 * log(x + offset) in place. Arguments ≤ LOG_EPSILON (x ≤ −offset) are raised to LOG_EPSILON so a
 * device value below the training range gives a large negative number, never NaN or −∞.
 */
export interface FittedLog {
  op: 'log';
  column: string;
  offset: number;
}

export const LOG_EPSILON = f32(1e-6);

export function fitLog(step: z.infer<typeof LogStep>, frame: Frame): FittedLog[] {
  return step.columns.map((column) => {
    numericColumn(frame, column, 'log');
    return { op: 'log', column, offset: f32(step.offset) };
  });
}

export function applyLog(s: FittedLog, frame: Frame): void {
  const col = numericColumn(frame, s.column, 'log');
  for (let i = 0; i < col.length; i++) col[i] = f32(Math.log(Math.max(f32((col[i] as number) + s.offset), LOG_EPSILON)));
}
