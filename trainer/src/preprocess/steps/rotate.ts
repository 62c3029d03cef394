import type { FittedRotate } from '@outpost/protocol';
import type { z } from 'zod';
import type { RotateStep } from '../../spec/steps.ts';
import { f32, numericColumn, type Frame } from './frame.ts';

export type { FittedRotate };
export function fitRotate(step: z.infer<typeof RotateStep>, frame: Frame): FittedRotate {
  numericColumn(frame, step.x, 'rotate');
  numericColumn(frame, step.y, 'rotate');
  const a = (step.degrees * Math.PI) / 180;
  return { op: 'rotate', name: step.name, x: step.x, y: step.y, cos: f32(Math.cos(a)), sin: f32(Math.sin(a)) };
}
