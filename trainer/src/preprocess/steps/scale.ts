import { f32, type Frame } from './frame.ts';

/**
 * Standard scaling of every design column: (x − mean) / std with the training mean and population
 * std (std 0 → 1), float32 constants and float32 rounding after each operation, as in the graph.
 */
export interface FittedScale {
  op: 'scale';
  mean: number[];
  std: number[];
}

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

export function applyScale(s: FittedScale, frame: Frame): void {
  frame.order.forEach((name, j) => {
    const col = frame.numeric.get(name) as Float64Array;
    const m = s.mean[j] as number;
    const sd = s.std[j] as number;
    for (let i = 0; i < col.length; i++) col[i] = f32(f32((col[i] as number) - m) / sd);
  });
}
