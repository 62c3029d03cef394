import { pipelineStepError } from '../errors.ts';
import { f32, type PipelineFrame } from '../frame.ts';

/**
 * Standard scaling of every design column: (x − mean) / std with the training mean and population
 * std (std 0 → 1), float32 constants and float32 rounding after each operation, as in the graph.
 */
export interface FittedScale {
  op: 'scale';
  /** One per design column, in design order at the point the step runs. */
  mean: number[];
  std: number[];
}

export function applyScale(s: FittedScale, frame: PipelineFrame): void {
  if (s.mean.length !== frame.order.length || s.std.length !== frame.order.length) {
    throw pipelineStepError(
      'scale',
      '*',
      `${s.mean.length} means and ${s.std.length} stds for ${frame.order.length} design columns`,
    );
  }
  frame.order.forEach((name, j) => {
    const col = frame.numeric.get(name);
    if (!col)
      throw pipelineStepError(
        'scale',
        name,
        'the column is not numeric (a categorical column neither encoded nor dropped)',
      );
    const m = s.mean[j] as number;
    const sd = s.std[j] as number;
    for (let i = 0; i < col.length; i++) col[i] = f32(f32((col[i] as number) - m) / sd);
  });
}
