import type { FittedScale } from '@outpost/protocol';
import { f32, type Frame } from './frame.ts';

export type { FittedScale };
export function fitScale(frame: Frame): FittedScale {
  const mean: number[] = [];
  const std: number[] = [];
  for (const name of frame.order) {
    const col = frame.numeric.get(name) as Float64Array;
    let s = 0;
    for (const v of col) s += v;
    const m = col.length === 0 ? 0 : s / col.length;
    let ss = 0;
    for (const v of col) ss += (v - m) ** 2;
    const sd = col.length === 0 ? 0 : f32(Math.sqrt(ss / col.length));
    mean.push(f32(m));
    std.push(sd > 0 && Number.isFinite(sd) ? sd : 1);
  }
  return { op: 'scale', mean, std };
}
