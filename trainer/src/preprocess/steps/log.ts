import { type FittedLog, LOG_EPSILON } from '@outpost/protocol';
import type { z } from 'zod';
import type { LogStep } from '../../spec/steps.ts';
import { f32, numericColumn, type Frame } from './frame.ts';

export type { FittedLog };
export { LOG_EPSILON };
export function fitLog(step: z.infer<typeof LogStep>, frame: Frame): FittedLog[] {
  return step.columns.map((column) => {
    numericColumn(frame, column, 'log');
    return { op: 'log', column, offset: f32(step.offset) };
  });
}
