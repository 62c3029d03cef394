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

/**
 * A cap marks a spike at the top of a column; one that catches more than this share of the
 * training rows is not a cap (a `value` below the data — say the -200 of an outage code — would
 * drop every row). It is refused: missing-value codes go in the spec's `missing`, and rows to
 * drop from every split in `row_filters` (docs/SPEC.md).
 */
export const CAP_MAX_SHARE = 0.5;

/** Refuses a 'drop' cap at or above which more than CAP_MAX_SHARE of the training rows lie. */
export function assertCapIsCap(step: Spec, capped: number, rows: number): void {
  if (capped > CAP_MAX_SHARE * rows)
    throw stepError(
      'capped',
      step.column,
      `the cap ${step.value ?? ''} catches ${capped} of ${rows} training rows: a cap marks a spike at the top of the column — use missing: [...] for a missing-value code, row_filters to drop rows`,
    );
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
