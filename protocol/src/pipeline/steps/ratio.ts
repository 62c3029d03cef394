import { addNumeric, f32, numericColumn, type PipelineFrame } from '../frame.ts';

/** numerator / denominator; where that is not finite (denominator 0) → the training median ratio. */
export interface FittedRatio {
  op: 'ratio';
  name: string;
  numerator: string;
  denominator: string;
  /** float32. */
  fallback: number;
}

/** float32 division, as ONNX Div computes it (double rounding is exact for one IEEE division); non-finite → NaN. */
export function ratioOf(num: Float64Array, den: Float64Array): Float64Array {
  const out = new Float64Array(num.length);
  for (let i = 0; i < num.length; i++) {
    const r = f32((num[i] as number) / (den[i] as number));
    out[i] = Number.isFinite(r) ? r : NaN;
  }
  return out;
}

export function applyRatio(s: FittedRatio, frame: PipelineFrame): void {
  const r = ratioOf(numericColumn(frame, s.numerator, 'ratio'), numericColumn(frame, s.denominator, 'ratio'));
  for (let i = 0; i < r.length; i++) if (Number.isNaN(r[i] as number)) r[i] = s.fallback;
  addNumeric(frame, s.name, r, 'ratio');
}
