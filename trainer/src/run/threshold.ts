/**
 * The decision threshold of a binary classifier, tuned on the validation rows only. A threshold metric (accuracy, F1, precision, recall) scores hard
 * labels, and 0.5 is rarely its best cut: F1 rewards recall, so with a majority positive class
 * "always positive" can beat every model cut at 0.5. The grid 0.01 … 0.99 is searched (coarse on
 * purpose: a cut between two validation probabilities would fit the validation rows' noise); ties go
 * to the threshold closest to 0.5. Thresholds are float32 numbers, so the ONNX graph's float32
 * constant is the very value the metrics compare against (p ≥ t → class 1).
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import {
  accuracy,
  f1,
  metricByName,
  precision,
  predictedLabels,
  predictionWidth,
  recall,
  type Metric,
  type MetricName,
} from '../eval/metrics.ts';
import type { Task } from '../models/learner.ts';

type Values = ArrayLike<number>;

const AT: Partial<Record<MetricName, (y: Values, p: Values, t: number) => number>> = {
  accuracy,
  f1,
  precision,
  recall,
};

export const DEFAULT_THRESHOLD = 0.5;
/** Precision: a threshold must label at least this share of the rows positive (else "predict almost nothing" wins). */
export const MIN_POSITIVE_SHARE = 0.01;

/** Whether the metric scores hard labels, so the decision threshold changes it. */
export function isThresholdMetric(name: string): boolean {
  return Object.hasOwn(AT, name);
}

/** The metric scored at `threshold` (p ≥ threshold → class 1); any other metric, or no threshold, is the plain metric. */
export function metricAt(name: string, threshold?: number): Metric {
  const m = metricByName(name);
  const at = AT[m.name];
  if (threshold === undefined || !at) return m;
  return { ...m, fn: (y, p) => at(y, p, threshold) };
}

export interface ThresholdChoice {
  /** The tuned threshold (a float32 number): class 1 when P(class 1) ≥ threshold. */
  threshold: number;
  metric: string;
  /** The metric on the validation rows at the threshold. */
  score: number;
  /** The metric on the same rows at 0.5. */
  atDefault: number;
  /** Share of the validation rows labelled positive at the threshold. */
  positiveShare: number;
  /** Where the threshold was tuned: the validation rows, or (`cv.select: cv`) the pooled out-of-fold predictions of the training rows; the scores above are on validation either way. */
  on: 'validation' | 'cv';
}

/** Grid thresholds, nearest 0.5 first (0.50, 0.49, 0.51, 0.48, …): a strictly better score is needed to move away. */
function grid(): number[] {
  const out = [50];
  for (let d = 1; d <= 49; d++) out.push(50 - d, 50 + d);
  return out.map((i) => Math.fround(i / 100));
}

/**
 * The threshold maximising `metric` on the given VALIDATION predictions (P(class 1) per row). Only
 * called with validation rows: the caller never has the locked test rows.
 */
export function tuneThreshold(metric: string, y: Values, p: Values): ThresholdChoice {
  const m = metricAt(metric);
  const at = AT[m.name];
  if (!at)
    throw trainerError(
      TrainerErrorCodes.METRIC_UNKNOWN,
      `no decision threshold for metric ${metric}: it does not score hard labels`,
      { metric },
    );
  const n = y.length;
  const minPositive = m.name === 'precision' ? Math.max(1, Math.ceil(MIN_POSITIVE_SHARE * n)) : 0;
  const share = (t: number): number => {
    const labels = predictedLabels(n, p, t);
    let s = 0;
    for (let i = 0; i < n; i++) s += labels[i] as number;
    return s;
  };
  const atDefault = at(y, p, DEFAULT_THRESHOLD);
  let best: { t: number; score: number; positives: number } | undefined;
  for (const t of grid()) {
    const positives = share(t);
    if (positives < minPositive) continue;
    const score = at(y, p, t);
    // Scores from equal counts are bit-identical; the margin only absorbs rounding between fractions.
    if (!best || score > best.score + 1e-12) best = { t, score, positives };
  }
  const b = best ?? { t: DEFAULT_THRESHOLD, score: atDefault, positives: share(DEFAULT_THRESHOLD) };
  return {
    threshold: b.t,
    metric: m.name,
    score: b.score,
    atDefault,
    positiveShare: n === 0 ? 0 : b.positives / n,
    on: 'validation',
  };
}

/** A tuned threshold when the task is binary and the metric a threshold metric; otherwise none (AUC, log loss, regression, multiclass). */
export function thresholdFor(task: Task, metric: string, y: Values, p: Values): ThresholdChoice | undefined {
  if (task !== 'binary' || !isThresholdMetric(metric) || y.length === 0 || predictionWidth(y.length, p) !== 1)
    return undefined;
  return tuneThreshold(metric, y, p);
}
