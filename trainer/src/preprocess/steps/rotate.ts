import { applyRotate as applyRotateShared, type FittedRotate } from '@outpost/protocol';
import type { z } from 'zod';
import type { RotateStep } from '../../spec/steps.ts';
import { f32, numericColumn, trainerCoded, type Frame } from './frame.ts';

export type { FittedRotate };
/** The apply half (protocol/src/pipeline/steps/rotate.ts), shared with the device. */
export const applyRotate = trainerCoded(applyRotateShared);

export function fitRotate(step: z.infer<typeof RotateStep>, frame: Frame): FittedRotate {
  numericColumn(frame, step.x, 'rotate');
  numericColumn(frame, step.y, 'rotate');
  const a = (step.degrees * Math.PI) / 180;
  return { op: 'rotate', name: step.name, x: step.x, y: step.y, cos: f32(Math.cos(a)), sin: f32(Math.sin(a)) };
}
