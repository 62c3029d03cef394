import { describe, expect, it } from 'vitest';
import { calibration, errorAnalysis } from '../src/run/error-analysis.ts';

describe('errorAnalysis', () => {
  it('finds the category and the quantile bin where the model fails (known answer)', () => {
    const n = 200;
    const cat = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 'INLAND' : 'COAST'));
    const dist = Float64Array.from({ length: n }, (_, i) => i);
    const y = new Float64Array(n);
    // Error 10 on INLAND rows, 2 on the rest; and an extra error on the largest distances.
    const p = Float64Array.from({ length: n }, (_, i) => (cat[i] === 'INLAND' ? 10 : 2) + (i >= 150 ? 12 : 0));
    const e = errorAnalysis({
      metric: 'rmse',
      y,
      predictions: p,
      columns: [
        { kind: 'categorical', name: 'ocean', values: cat },
        { kind: 'numeric', name: 'distance', values: dist },
      ],
    });
    const inland = e.segments.find((s) => s.column === 'ocean' && s.label === 'INLAND');
    expect(inland?.rows).toBe(50);
    expect(inland?.score).toBeCloseTo(Math.sqrt((38 * 100 + 12 * 484) / 50), 9);
    expect(e.segments[0]).toMatchObject({ column: 'distance', kind: 'quantile', label: '[150, 199]', rows: 50 });
    expect(e.findings[0]).toMatch(/^rmse [\d.]+ on distance in \[150, 199\] \(50 rows\) vs [\d.]+ overall$/);
    expect(e.residuals?.predicted).toHaveLength(200);
    for (let i = 1; i < e.segments.length; i++)
      expect(e.segments[i - 1]?.worseBy).toBeGreaterThanOrEqual(e.segments[i]?.worseBy as number);
  });

  it('higher-is-better metrics: the worst segment has the lowest accuracy; calibration bins for binary', () => {
    const n = 100;
    const g = Array.from({ length: n }, (_, i) => (i < 30 ? 'night' : 'day'));
    const y = Float64Array.from({ length: n }, (_, i) => i % 2);
    const p = Float64Array.from({ length: n }, (_, i) => (i < 30 ? 1 - (i % 2) : i % 2) * 0.8 + 0.1); // all wrong at night
    const e = errorAnalysis({
      metric: 'accuracy',
      y,
      predictions: p,
      columns: [{ kind: 'categorical', name: 'time', values: g }],
    });
    expect(e.overall).toBeCloseTo(0.7, 12);
    expect(e.segments[0]).toMatchObject({ column: 'time', label: 'night', score: 0 });
    expect(e.calibration?.map((b) => b.rows).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('calibration: observed share per predicted-probability bin', () => {
    const bins = calibration(Float64Array.from([0, 0, 1, 1]), Float64Array.from([0.05, 0.15, 0.95, 0.91]), 10);
    expect(bins.map((b) => [b.observed, b.rows])).toEqual([
      [0, 1],
      [0, 1],
      [1, 2],
    ]);
    [0.05, 0.15, 0.93].forEach((p, i) => expect(bins[i]?.predicted).toBeCloseTo(p, 12));
  });
});
