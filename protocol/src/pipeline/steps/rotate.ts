import { addNumeric, f32, numericColumn, type PipelineFrame } from '../frame.ts';

/** x·cos a + y·sin a, with float32 coefficients and float32 rounding after each operation. */
export interface FittedRotate {
  op: 'rotate';
  name: string;
  x: string;
  y: string;
  cos: number;
  sin: number;
}

export function applyRotate(s: FittedRotate, frame: PipelineFrame): void {
  const x = numericColumn(frame, s.x, 'rotate');
  const y = numericColumn(frame, s.y, 'rotate');
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f32(f32((x[i] as number) * s.cos) + f32((y[i] as number) * s.sin));
  addNumeric(frame, s.name, out, 'rotate');
}
