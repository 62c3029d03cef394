import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import {
  accuracy,
  confusionMatrix,
  f1,
  logLoss,
  mae,
  metricByName,
  precision,
  r2,
  recall,
  rmse,
  rocAuc,
} from '../src/eval/metrics.ts';

describe('regression metrics', () => {
  it('rmse, mae and r2 on a hand-computed case', () => {
    const t = [1, 2, 3, 4];
    const p = [1, 3, 3, 2];
    expect(rmse(t, p)).toBeCloseTo(Math.sqrt(5 / 4), 14); // errors 0, 1, 0, −2
    expect(mae(t, p)).toBeCloseTo(3 / 4, 14);
    expect(r2(t, p)).toBeCloseTo(1 - 5 / 5, 14); // SS_tot = 2.25 + 0.25 + 0.25 + 2.25
    expect(r2(t, [2.5, 2.5, 2.5, 2.5])).toBe(0);
    expect(r2([3, 3], [3, 3])).toBe(1);
  });
});

describe('classification metrics', () => {
  // TP = 2 (rows 1, 5), FP = 1 (row 2), FN = 1 (row 3), TN = 2 (rows 0, 4).
  const t = [0, 1, 0, 1, 0, 1];
  const p = [0.2, 0.9, 0.6, 0.3, 0.1, 0.5];

  it('accuracy, precision, recall, F1 and the confusion matrix at threshold 0.5 (p ≥ t is positive)', () => {
    expect(accuracy(t, p)).toBeCloseTo(4 / 6, 14);
    expect(precision(t, p)).toBeCloseTo(2 / 3, 14);
    expect(recall(t, p)).toBeCloseTo(2 / 3, 14);
    expect(f1(t, p)).toBeCloseTo(2 / 3, 14);
    expect(confusionMatrix(t, p)).toEqual([
      [2, 1],
      [1, 2],
    ]);
  });

  it('honours the threshold and takes hard labels as they are', () => {
    // At 0.25: predicted positive = rows 1, 2, 3, 5 → TP 3, FP 1, FN 0.
    expect(precision(t, p, 0.25)).toBeCloseTo(3 / 4, 14);
    expect(recall(t, p, 0.25)).toBeCloseTo(1, 14);
    expect(f1(t, p, 0.25)).toBeCloseTo((2 * 3) / (2 * 3 + 1), 14);
    expect(accuracy(t, [0, 1, 1, 1, 0, 1])).toBeCloseTo(5 / 6, 14);
    expect(accuracy([0, 2, 1], [0, 2, 2])).toBeCloseTo(2 / 3, 14);
  });

  it('returns 0 where precision is undefined (no predicted positives)', () => {
    expect(precision([0, 1], [0.1, 0.2])).toBe(0);
    expect(f1([0, 1], [0.1, 0.2])).toBe(0);
  });

  it('log loss, binary and multiclass (scikit-learn values)', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 14);
    expect(logLoss([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4])).toBeCloseTo(0.5527113618128084, 12);
    expect(Number.isFinite(logLoss([1], [0]))).toBe(true); // clipped
  });

  it('ROC AUC is exact with ties (a tied positive/negative pair counts ½)', () => {
    // Positives {0.35, 0.8, 0.4} vs negatives {0.1, 0.4, 0.4}: wins 1 + 3 + (1 + ½ + ½) = 6 of 9 pairs.
    expect(rocAuc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4])).toBeCloseTo(6 / 9, 14);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([1, 1], [0.1, 0.2])).toBeNaN();
  });

  it('multiclass probabilities: argmax labels, macro scores, one-vs-rest AUC (scikit-learn values)', () => {
    const yt = [0, 1, 2, 2, 1, 0];
    const probs = [0.7, 0.2, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6, 0.3, 0.4, 0.3, 0.3, 0.3, 0.4, 0.5, 0.4, 0.1];
    expect(accuracy(yt, probs)).toBeCloseTo(4 / 6, 14);
    expect(confusionMatrix(yt, probs)).toEqual([
      [2, 0, 0],
      [0, 1, 1],
      [0, 1, 1],
    ]);
    expect(f1(yt, probs)).toBeCloseTo(0.6666666666666666, 12);
    expect(precision(yt, probs)).toBeCloseTo(0.6666666666666666, 12);
    expect(recall(yt, probs)).toBeCloseTo(0.6666666666666666, 12);
    expect(logLoss(yt, probs)).toBeCloseTo(0.776956756246081, 12);
    expect(rocAuc(yt, probs)).toBeCloseTo(0.8333333333333334, 12);
  });
});

describe('metricByName', () => {
  it('knows the spec metric names and their direction', () => {
    for (const [name, higher] of [
      ['rmse', false],
      ['mae', false],
      ['accuracy', true],
      ['f1', true],
      ['precision', true],
      ['recall', true],
      ['auc', true],
    ] as const) {
      const m = metricByName(name);
      expect(m.higherIsBetter).toBe(higher);
      expect(m.name).toBe(name);
    }
    expect(metricByName('rmse').fn([0, 0], [3, 4])).toBeCloseTo(Math.sqrt(12.5), 14);
    expect(metricByName('auc').fn([0, 1], [0.2, 0.9])).toBe(1);
  });

  it('rejects an unknown name with a coded error', () => {
    expect(() => metricByName('toString')).toThrow(expect.objectContaining({ code: TrainerErrorCodes.METRIC_UNKNOWN }));
    expect(() => metricByName('mse')).toThrow(expect.objectContaining({ code: TrainerErrorCodes.METRIC_UNKNOWN }));
  });
});
