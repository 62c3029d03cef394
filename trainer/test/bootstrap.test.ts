import { describe, expect, it } from 'vitest';
import { bootstrapCi } from '../src/eval/bootstrap.ts';
import { rmse } from '../src/eval/metrics.ts';
import { mulberry32 } from '../src/random.ts';

function noisy(n: number, seed: number): { t: Float64Array; p: Float64Array } {
  const rng = mulberry32(seed);
  const t = new Float64Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = rng() * 10;
    p[i] = (t[i] as number) + (rng() - 0.5) * 4;
  }
  return { t, p };
}

describe('bootstrapCi', () => {
  it('contains the point value and narrows with more rows', () => {
    const small = noisy(100, 1);
    const large = noisy(2000, 2);
    const a = bootstrapCi(small.t, small.p, 'rmse', { seed: 3 });
    const b = bootstrapCi(large.t, large.p, 'rmse', { seed: 3, resamples: 300 });
    expect(a.value).toBeCloseTo(rmse(small.t, small.p), 14);
    for (const ci of [a, b]) {
      expect(ci.low).toBeLessThan(ci.value);
      expect(ci.high).toBeGreaterThan(ci.value);
      expect(ci.level).toBe(0.95);
    }
    expect(a.resamples).toBe(1000);
    // Width shrinks like 1/√n: 20× the rows, ≈ 4.5× narrower.
    expect(b.high - b.low).toBeLessThan((a.high - a.low) / 3);
    // The true RMSE of uniform(−2, 2) noise is 2/√3 ≈ 1.155; the large sample's interval covers it.
    expect(b.low).toBeLessThan(2 / Math.sqrt(3));
    expect(b.high).toBeGreaterThan(2 / Math.sqrt(3));
  });

  it('is seeded, and a lower level gives a narrower interval', () => {
    const { t, p } = noisy(200, 5);
    const a = bootstrapCi(t, p, 'mae', { seed: 9, resamples: 200 });
    const b = bootstrapCi(t, p, 'mae', { seed: 9, resamples: 200 });
    const c = bootstrapCi(t, p, 'mae', { seed: 10, resamples: 200 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const narrow = bootstrapCi(t, p, 'mae', { seed: 9, resamples: 200, level: 0.5 });
    expect(narrow.high - narrow.low).toBeLessThan(a.high - a.low);
  });

  it('a constant metric gives a degenerate interval; multiclass rows resample whole', () => {
    const yt = [0, 1, 2, 1];
    const probs = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8, 0.2, 0.7, 0.1];
    const ci = bootstrapCi(yt, probs, 'accuracy', { seed: 1, resamples: 100 });
    expect(ci).toMatchObject({ value: 1, low: 1, high: 1 });
  });

  it('skips resamples where the metric is undefined (single-class AUC)', () => {
    const ci = bootstrapCi([0, 1, 1, 1, 1, 1], [0.1, 0.9, 0.8, 0.7, 0.6, 0.95], 'auc', { seed: 2, resamples: 200 });
    expect(ci.value).toBe(1);
    expect(ci.resamples).toBeLessThan(200);
    expect(ci.resamples).toBeGreaterThan(100);
    expect(ci.low).toBe(1);
  });
});
