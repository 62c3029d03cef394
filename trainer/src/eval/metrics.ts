/**
 * Evaluation metrics, all as fn(yTrue, yPred). Predictions follow the FittedModel convention:
 * regression values; binary P(class 1) per row; multiclass probabilities row-major n × k (detected
 * when yPred has k·n entries). Hard labels are accepted wherever probabilities are: an integer
 * prediction is taken as a label, a fractional one as P(1) and cut at `threshold` (p ≥ threshold
 * → class 1).
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';

type Values = ArrayLike<number>;

export function rmse(yTrue: Values, yPred: Values): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += ((yPred[i] as number) - (yTrue[i] as number)) ** 2;
  return Math.sqrt(s / yTrue.length);
}

export function mae(yTrue: Values, yPred: Values): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs((yPred[i] as number) - (yTrue[i] as number));
  return s / yTrue.length;
}

/** Coefficient of determination; 1 for a perfect fit of a constant target, else 0 there (as scikit-learn). */
export function r2(yTrue: Values, yPred: Values): number {
  const n = yTrue.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += yTrue[i] as number;
  m /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    res += ((yTrue[i] as number) - (yPred[i] as number)) ** 2;
    tot += ((yTrue[i] as number) - m) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/** Number of probability columns in yPred: 1 (values, P(1) or labels) or k. */
export function predictionWidth(n: number, yPred: Values): number {
  return n > 0 && yPred.length !== n && yPred.length % n === 0 ? yPred.length / n : 1;
}

/** Hard labels: argmax for n × k probabilities, else integers as given and P(1) cut at `threshold`. */
export function predictedLabels(n: number, yPred: Values, threshold = 0.5): Int32Array {
  const k = predictionWidth(n, yPred);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (k > 1) {
      let best = 0;
      for (let c = 1; c < k; c++) if ((yPred[i * k + c] as number) > (yPred[i * k + best] as number)) best = c;
      out[i] = best;
    } else {
      const p = yPred[i] as number;
      out[i] = Number.isInteger(p) ? p : p >= threshold ? 1 : 0;
    }
  }
  return out;
}

export function accuracy(yTrue: Values, yPred: Values, threshold = 0.5): number {
  const labels = predictedLabels(yTrue.length, yPred, threshold);
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (labels[i] === yTrue[i]) right++;
  return right / yTrue.length;
}

/** counts[true][predicted]; `classes` defaults to the largest label seen + 1 (at least 2). */
export function confusionMatrix(
  yTrue: Values,
  yPred: Values,
  opts: { classes?: number; threshold?: number } = {},
): number[][] {
  const n = yTrue.length;
  const labels = predictedLabels(n, yPred, opts.threshold);
  let k = Math.max(opts.classes ?? 2, predictionWidth(n, yPred));
  for (let i = 0; i < n; i++) k = Math.max(k, (yTrue[i] as number) + 1, (labels[i] as number) + 1);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < n; i++) {
    const row = m[yTrue[i] as number] as number[];
    const l = labels[i] as number;
    row[l] = (row[l] as number) + 1;
  }
  return m;
}

interface PerClass {
  precision: number;
  recall: number;
  f1: number;
}

/** Precision / recall / F1 of class c from a confusion matrix; 0 where undefined (as scikit-learn). */
function perClass(m: number[][], c: number): PerClass {
  const tp = m[c]?.[c] ?? 0;
  let predicted = 0;
  let actual = 0;
  for (let r = 0; r < m.length; r++) {
    predicted += m[r]?.[c] ?? 0;
    actual += m[c]?.[r] ?? 0;
  }
  const precision = predicted === 0 ? 0 : tp / predicted;
  const recall = actual === 0 ? 0 : tp / actual;
  const f1 = predicted + actual === 0 ? 0 : (2 * tp) / (predicted + actual);
  return { precision, recall, f1 };
}

/** Binary: of class 1. Multiclass probabilities (n × k): the macro average over classes. */
function classScore(which: keyof PerClass, yTrue: Values, yPred: Values, threshold: number): number {
  const k = predictionWidth(yTrue.length, yPred);
  const m = confusionMatrix(yTrue, yPred, { threshold, classes: k });
  if (k === 1) return perClass(m, 1)[which];
  let s = 0;
  for (let c = 0; c < k; c++) s += perClass(m, c)[which];
  return s / k;
}

export function precision(yTrue: Values, yPred: Values, threshold = 0.5): number {
  return classScore('precision', yTrue, yPred, threshold);
}

export function recall(yTrue: Values, yPred: Values, threshold = 0.5): number {
  return classScore('recall', yTrue, yPred, threshold);
}

export function f1(yTrue: Values, yPred: Values, threshold = 0.5): number {
  return classScore('f1', yTrue, yPred, threshold);
}

/** Mean negative log-likelihood; probabilities clipped to [eps, 1 − eps]. */
export function logLoss(yTrue: Values, yPred: Values, eps = 1e-15): number {
  const n = yTrue.length;
  const k = predictionWidth(n, yPred);
  const clip = (p: number): number => Math.min(Math.max(p, eps), 1 - eps);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i] as number;
    if (k > 1) s -= Math.log(clip(yPred[i * k + y] as number));
    else s -= y === 1 ? Math.log(clip(yPred[i] as number)) : Math.log(1 - clip(yPred[i] as number));
  }
  return s / n;
}

/**
 * Area under the ROC curve, exactly: the Mann–Whitney statistic with average ranks for tied
 * scores (a tie between a positive and a negative counts ½). Multiclass (n × k): the macro average
 * of one-vs-rest AUCs. NaN when a class has no positive or no negative rows.
 */
export function rocAuc(yTrue: Values, yPred: Values): number {
  const n = yTrue.length;
  const k = predictionWidth(n, yPred);
  if (k === 1)
    return binaryAuc(
      n,
      (i) => (yTrue[i] as number) === 1,
      (i) => yPred[i] as number,
    );
  let s = 0;
  for (let c = 0; c < k; c++)
    s += binaryAuc(
      n,
      (i) => (yTrue[i] as number) === c,
      (i) => yPred[i * k + c] as number,
    );
  return s / k;
}

function binaryAuc(n: number, positive: (i: number) => boolean, score: (i: number) => number): number {
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = score(i);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number) || a - b,
  );
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1; // 1-based ranks i+1..j+1
    for (let t = i; t <= j; t++) {
      if (positive(order[t] as number)) {
        rankSum += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export type MetricName = 'rmse' | 'mae' | 'r2' | 'accuracy' | 'f1' | 'precision' | 'recall' | 'auc' | 'log_loss';

export interface Metric {
  name: MetricName;
  fn: (yTrue: Values, yPred: Values) => number;
  higherIsBetter: boolean;
}

const METRICS: Record<MetricName, Omit<Metric, 'name'>> = {
  rmse: { fn: rmse, higherIsBetter: false },
  mae: { fn: mae, higherIsBetter: false },
  r2: { fn: r2, higherIsBetter: true },
  accuracy: { fn: (t, p) => accuracy(t, p), higherIsBetter: true },
  f1: { fn: (t, p) => f1(t, p), higherIsBetter: true },
  precision: { fn: (t, p) => precision(t, p), higherIsBetter: true },
  recall: { fn: (t, p) => recall(t, p), higherIsBetter: true },
  auc: { fn: rocAuc, higherIsBetter: true },
  log_loss: { fn: (t, p) => logLoss(t, p), higherIsBetter: false },
};

/** The metric a problem spec names (the spec's names, plus 'r2' and 'log_loss'). */
export function metricByName(name: string): Metric {
  const m = Object.hasOwn(METRICS, name) ? METRICS[name as MetricName] : undefined;
  if (!m)
    throw trainerError(
      TrainerErrorCodes.METRIC_UNKNOWN,
      `unknown metric "${name}"; known: ${Object.keys(METRICS).join(', ')}`,
      { metric: name },
    );
  return { name: name as MetricName, ...m };
}
