import type { z } from 'zod';
import type { RotateStep } from '../../spec/steps.ts';
import { addNumeric, f32, numericColumn, type Frame } from './frame.ts';

/** x·cos a + y·sin a, with float32 coefficients and float32 rounding after each operation. */
export interface FittedRotate {
  op: 'rotate';
  name: string;
  x: string;
  y: string;
  cos: number;
  sin: number;
}

export function fitRotate(step: z.infer<typeof RotateStep>, frame: Frame): FittedRotate {
  numericColumn(frame, step.x, 'rotate');
  numericColumn(frame, step.y, 'rotate');
  const a = (step.degrees * Math.PI) / 180;
  return { op: 'rotate', name: step.name, x: step.x, y: step.y, cos: f32(Math.cos(a)), sin: f32(Math.sin(a)) };
}

export function applyRotate(s: FittedRotate, frame: Frame): void {
  const x = numericColumn(frame, s.x, 'rotate');
  const y = numericColumn(frame, s.y, 'rotate');
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f32(f32((x[i] as number) * s.cos) + f32((y[i] as number) * s.sin));
  addNumeric(frame, s.name, out, 'rotate');
}
