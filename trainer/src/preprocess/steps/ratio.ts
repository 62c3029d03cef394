import { type FittedRatio, ratioOf } from '@outpost/protocol';
import type { z } from 'zod';
import type { RatioStep } from '../../spec/steps.ts';
import { quantileSorted } from '../../stats.ts';
import { f32, numericColumn, sortedValues, type Frame } from './frame.ts';

export type { FittedRatio };
export function fitRatio(step: z.infer<typeof RatioStep>, frame: Frame): FittedRatio {
  const ratios = sortedValues(
    ratioOf(numericColumn(frame, step.numerator, 'ratio'), numericColumn(frame, step.denominator, 'ratio')),
  );
  const fallback = ratios.length === 0 ? 0 : f32(quantileSorted(ratios, 0.5));
  return { op: 'ratio', name: step.name, numerator: step.numerator, denominator: step.denominator, fallback };
}
