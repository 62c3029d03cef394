import type { FittedCapped } from '@outpost/protocol';
import type { z } from 'zod';
import type { CappedStep } from '../../spec/steps.ts';
import { f32, stepError, type Frame } from './frame.ts';

export type { FittedCapped };
type Spec = z.infer<typeof CappedStep>;

/**
 * The cap: the spec's value, or the column's maximum over the training rows (the spike of a capped
 * column sits at its maximum). Rounded to float32, as the device compares float32 inputs.
 */
export function capOf(step: Spec, values: ArrayLike<number>, rows: readonly number[]): number {
  if (step.value !== undefined) return f32(step.value);
  let max = -Infinity;
  for (const r of rows) {
    const v = values[r] as number;
    if (v > max) max = v;
  }
  if (max === -Infinity) throw stepError('capped', step.column, 'no training values to take the maximum of');
  return f32(max);
}

/** Training rows whose value is below the cap (row-level 'drop', or the rows a flag marks). */
export function splitCapped(
  values: ArrayLike<number>,
  rows: readonly number[],
  cap: number,
): { kept: number[]; capped: number[] } {
  const kept: number[] = [];
  const capped: number[] = [];
  for (const r of rows) (f32(values[r] as number) >= cap ? capped : kept).push(r);
  return { kept, capped };
}

export function fitCappedFlag(step: Spec, frame: Frame, cap: number): FittedCapped {
  if (!frame.numeric.has(step.column)) throw stepError('capped', step.column, 'the column is not a numeric feature');
  return { op: 'capped', column: step.column, name: `${step.column}_capped`, cap };
}
