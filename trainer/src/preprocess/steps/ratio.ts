import type { z } from 'zod';
import type { RatioStep } from '../../spec/steps.ts';
import { quantileSorted } from '../../stats.ts';
import { addNumeric, f32, numericColumn, sortedValues, type Frame } from './frame.ts';

/** numerator / denominator; where that is not finite (denominator 0) → the training median ratio. */
export interface FittedRatio {
  op: 'ratio';
  name: string;
  numerator: string;
  denominator: string;
  fallback: number;
}

/** float32 division, as ONNX Div computes it (double rounding is exact for one IEEE division). */
function divide(num: Float64Array, den: Float64Array): Float64Array {
  const out = new Float64Array(num.length);
  for (let i = 0; i < num.length; i++) {
    const r = f32((num[i] as number) / (den[i] as number));
    out[i] = Number.isFinite(r) ? r : NaN;
  }
  return out;
}

export function fitRatio(step: z.infer<typeof RatioStep>, frame: Frame): FittedRatio {
  const ratios = sortedValues(divide(numericColumn(frame, step.numerator, 'ratio'), numericColumn(frame, step.denominator, 'ratio')));
  const fallback = ratios.length === 0 ? 0 : f32(quantileSorted(ratios, 0.5));
  return { op: 'ratio', name: step.name, numerator: step.numerator, denominator: step.denominator, fallback };
}

export function applyRatio(s: FittedRatio, frame: Frame): void {
  const r = divide(numericColumn(frame, s.numerator, 'ratio'), numericColumn(frame, s.denominator, 'ratio'));
  for (let i = 0; i < r.length; i++) if (Number.isNaN(r[i] as number)) r[i] = s.fallback;
  addNumeric(frame, s.name, r, 'ratio');
}
