import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { accuracy, f1, precision, predictedLabels } from '../src/eval/metrics.ts';
import { mulberry32 } from '../src/random.ts';
import { isThresholdMetric, metricAt, thresholdFor, tuneThreshold } from '../src/run/threshold.ts';

/** Positive majority (60%), weak scores centred below 0.5: F1 at 0.5 loses to "always positive". */
function majorityPositive(n = 400, seed = 1): { y: Float64Array; p: Float64Array } {
  const rng = mulberry32(seed);
  const y = Float64Array.from({ length: n }, (_, i) => (i % 5 < 3 ? 1 : 0));
  const p = Float64Array.from(y, (v) => (v === 1 ? 0.3 + 0.4 * rng() : 0.2 + 0.4 * rng()));
  return { y, p };
}

describe('tuneThreshold', () => {
  it('beats 0.5 (and "always positive") on F1 when the positive class is the majority', () => {
    const { y, p } = majorityPositive();
    const alwaysPositive = f1(y, new Float64Array(y.length).fill(1));
    expect(alwaysPositive).toBeCloseTo(0.75, 10);
    const atHalf = f1(y, p, 0.5);
    expect(atHalf).toBeLessThan(alwaysPositive);
    const c = tuneThreshold('f1', y, p);
    expect(c.atDefault).toBe(atHalf);
    expect(c.threshold).toBeLessThan(0.5);
    expect(c.score).toBeGreaterThan(atHalf);
    expect(c.score).toBeGreaterThanOrEqual(alwaysPositive);
    // The reported score is the metric at the reported threshold, and no grid point does better.
    expect(c.score).toBe(f1(y, p, c.threshold));
    for (let i = 1; i <= 99; i++) expect(f1(y, p, Math.fround(i / 100))).toBeLessThanOrEqual(c.score);
    expect(c.threshold).toBe(Math.fround(c.threshold)); // a float32 number, as the ONNX constant
    expect(c).toMatchObject({ metric: 'f1', on: 'validation' });
  });

  it('breaks ties toward 0.5', () => {
    // Scores far from the middle: every threshold in (0.2, 0.8] gives the same labels.
    const y = Float64Array.of(0, 0, 1, 1, 1);
    const p = Float64Array.of(0.1, 0.2, 0.8, 0.9, 0.95);
    expect(tuneThreshold('accuracy', y, p).threshold).toBe(0.5);
    // Perfect only below 0.3 or so: the best threshold nearest 0.5 wins among equals.
    const q = Float64Array.of(0.1, 0.15, 0.25, 0.3, 0.9);
    const c = tuneThreshold('accuracy', y, q);
    expect(c.score).toBe(1);
    expect(c.threshold).toBe(Math.fround(0.25));
    expect(accuracy(y, q, c.threshold)).toBe(1);
  });

  it('precision: refuses thresholds that label almost nothing positive', () => {
    // One very confident true positive among 300 rows: a threshold labelling only it has precision 1.
    const rng = mulberry32(4);
    const n = 300;
    const y = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 1 : i % 2));
    const p = Float64Array.from({ length: n }, (_, i) => (i === 0 ? 0.985 : 0.3 + 0.6 * rng()));
    expect(precision(y, p, 0.98)).toBe(1);
    const c = tuneThreshold('precision', y, p);
    const positives = predictedLabels(n, p, c.threshold).reduce((s, v) => s + v, 0);
    expect(positives).toBeGreaterThanOrEqual(3); // ≥ 1% of 300 rows
    expect(c.positiveShare).toBe(positives / n);
    expect(c.score).toBeLessThan(1);
    expect(c.score).toBe(precision(y, p, c.threshold));
  });

  it('sees only what it is given: the same predictions give the same threshold', () => {
    const { y, p } = majorityPositive(300, 9);
    const a = tuneThreshold('f1', y, p);
    const b = tuneThreshold('f1', Float64Array.from(y), Float64Array.from(p));
    expect(b).toEqual(a);
  });
});

describe('thresholdFor / metricAt', () => {
  const { y, p } = majorityPositive(200, 2);
  it('tunes only binary tasks scored by a threshold metric', () => {
    for (const m of ['f1', 'precision', 'recall', 'accuracy']) {
      expect(isThresholdMetric(m)).toBe(true);
      expect(thresholdFor('binary', m, y, p)?.metric).toBe(m);
    }
    for (const m of ['auc', 'log_loss', 'rmse']) expect(isThresholdMetric(m)).toBe(false);
    expect(thresholdFor('binary', 'auc', y, p)).toBeUndefined();
    expect(thresholdFor('binary', 'log_loss', y, p)).toBeUndefined();
    expect(thresholdFor('regression', 'rmse', y, p)).toBeUndefined();
    expect(
      thresholdFor('multiclass', 'accuracy', Float64Array.of(0, 1), Float64Array.of(0.2, 0.5, 0.3, 0.1, 0.1, 0.8)),
    ).toBeUndefined();
    expect(() => tuneThreshold('auc', y, p)).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.METRIC_UNKNOWN, details: { metric: 'auc' } }),
    );
  });

  it('scores threshold metrics at the threshold (p ≥ t → 1) and leaves AUC alone', () => {
    const y2 = Float64Array.of(0, 1, 1);
    const p2 = Float64Array.of(0.3, 0.3, 0.7);
    expect(metricAt('f1', 0.3).fn(y2, p2)).toBe(f1(y2, p2, 0.3));
    expect(metricAt('recall', 0.3).fn(y2, p2)).toBe(1); // 0.3 ≥ 0.3 is positive
    expect(metricAt('recall', 0.31).fn(y2, p2)).toBe(0.5);
    expect(metricAt('recall').fn(y2, p2)).toBe(0.5);
    expect(metricAt('auc', 0.3).fn(y2, p2)).toBe(metricAt('auc').fn(y2, p2));
  });
});
