import type { FittedClip } from '@outpost/protocol';
import type { z } from 'zod';
import type { ClipStep } from '../../spec/steps.ts';
import { quantileSorted } from '../../stats.ts';
import { f32, numericColumn, sortedValues, stepError, type Frame } from './frame.ts';

export type { FittedClip };
export function fitClip(step: z.infer<typeof ClipStep>, frame: Frame): FittedClip[] {
  return step.columns.map((column) => {
    const values = numericColumn(frame, column, 'clip');
    if ((step.bounds === undefined) === (step.quantiles === undefined))
      throw stepError('clip', column, 'give exactly one of bounds or quantiles');
    let lo: number;
    let hi: number;
    if (step.bounds) [lo, hi] = step.bounds;
    else {
      const sorted = sortedValues(values);
      const [qlo, qhi] = step.quantiles as [number, number];
      if (sorted.length === 0) throw stepError('clip', column, 'no training values to take quantiles from');
      lo = quantileSorted(sorted, qlo);
      hi = quantileSorted(sorted, qhi);
    }
    // Rounded to float32 so the in-process clip and the graph's Clip compare the same numbers.
    lo = f32(lo);
    hi = f32(hi);
    if (!(lo <= hi)) throw stepError('clip', column, `lower bound ${lo} is above upper bound ${hi}`);
    return { op: 'clip', column, lo, hi };
  });
}
