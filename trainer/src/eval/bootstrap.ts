/**
 * Percentile bootstrap confidence interval of a metric over rows: resample the (truth, prediction)
 * rows with replacement, recompute the metric, take the (1 − level)/2 and (1 + level)/2 quantiles.
 * Seeded, so a recorded test evaluation reproduces its interval exactly.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { mulberry32 } from '../random.ts';
import { quantileSorted } from '../stats.ts';
import { metricByName, predictionWidth, type Metric } from './metrics.ts';

export type MetricFn = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>) => number;

export interface BootstrapOptions {
  /** Default 1000. */
  resamples?: number;
  /** Default 0. */
  seed?: number;
  /** Default 0.95. */
  level?: number;
}

export interface ConfidenceInterval {
  /** The metric on all rows. */
  value: number;
  low: number;
  high: number;
  level: number;
  /** Resamples whose metric was defined (e.g. AUC is undefined for a one-class resample). */
  resamples: number;
}

export function bootstrapCi(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  metric: Metric | MetricFn | string,
  opts: BootstrapOptions = {},
): ConfidenceInterval {
  const fn: MetricFn =
    typeof metric === 'function' ? metric : typeof metric === 'string' ? metricByName(metric).fn : metric.fn;
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  const n = yTrue.length;
  if (n === 0) throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, 'bootstrap: no rows to resample', { rows: 0 });
  const w = predictionWidth(n, yPred);
  const rng = mulberry32(opts.seed ?? 0);
  const bt = new Float64Array(n);
  const bp = new Float64Array(n * w);
  const stats = new Float64Array(resamples);
  let kept = 0;
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) {
      const r = Math.floor(rng() * n);
      bt[i] = yTrue[r] as number;
      if (w === 1) bp[i] = yPred[r] as number;
      else for (let c = 0; c < w; c++) bp[i * w + c] = yPred[r * w + c] as number;
    }
    const s = fn(bt, bp);
    if (!Number.isNaN(s)) stats[kept++] = s;
  }
  const sorted = stats.subarray(0, kept).sort();
  const tail = (1 - level) / 2;
  return {
    value: fn(yTrue, yPred),
    low: quantileSorted(sorted, tail),
    high: quantileSorted(sorted, 1 - tail),
    level,
    resamples: kept,
  };
}
