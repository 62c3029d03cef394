import { describe, expect, it } from 'vitest';
import { dequantize, quantizeSymmetric } from '../src/onnx/quantize.ts';
import { largestOutputChange } from '../src/onnx/output-change.ts';
import { quantizeDecision } from '../src/onnx/quantize-decision.ts';

describe('quantizeSymmetric', () => {
  it('per-channel: each column scaled by its max |w| / 127, zero point 0', () => {
    // 2×2, columns (1, -0.5) and (0.01, 0.04)
    const { q, scales } = quantizeSymmetric([1, 0.01, -0.5, 0.04], 2, 2);
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127), Math.fround(0.04 / 127)]);
    expect(Array.from(q)).toEqual([127, 32, -64, 127]);
  });

  it('per-tensor: one scale; small columns lose precision', () => {
    const { q, scales } = quantizeSymmetric([1, 0.01, -0.5, 0.04], 2, 2, 'per-tensor');
    expect(Array.from(scales)).toEqual([Math.fround(1 / 127)]);
    expect(Array.from(q)).toEqual([127, 1, -64, 5]);
  });

  it('keeps every weight within half a step, and an all-zero column stays zero', () => {
    const w = [0.3, 0, -0.7, 0, 0.11, 0];
    const qw = quantizeSymmetric(w, 3, 2);
    const back = dequantize(qw, 3, 2);
    w.forEach((v, i) =>
      expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual((qw.scales[i % 2] as number) / 2 + 1e-9),
    );
    expect([back[1], back[3], back[5]]).toEqual([0, 0, 0]);
    expect(qw.scales[1]).toBe(1);
  });
});

describe('quantizeDecision', () => {
  it('ships int8 within tolerance for an error metric (lower is better)', () => {
    const d = quantizeDecision(50000, 50400, 0.01, false);
    expect(d.ship).toBe('int8');
    expect(d.relativeLoss).toBeCloseTo(0.008, 10);
  });

  it('ships float when the error grows by more than the tolerance', () => {
    const d = quantizeDecision(50000, 50600, 0.01, false);
    expect(d.ship).toBe('float');
    expect(d.reason).toMatch(/over the 1\.000% tolerance/);
  });

  it('respects higherIsBetter (accuracy) and never blocks an improvement', () => {
    expect(quantizeDecision(0.9, 0.89, 0.01, true).ship).toBe('float');
    expect(quantizeDecision(0.9, 0.895, 0.01, true).ship).toBe('int8');
    expect(quantizeDecision(50000, 40000, 0.01, false).ship).toBe('int8');
  });

  it('falls back to float for non-finite metrics and for any loss against a perfect float model', () => {
    expect(quantizeDecision(1, NaN, 0.01).ship).toBe('float');
    expect(quantizeDecision(0, 1e-9, 0.01).ship).toBe('float');
    expect(quantizeDecision(0, 0, 0.01).ship).toBe('int8');
  });

  it('ships float unless int8 saves at least 20% of the file (3,816 → 3,791 bytes is not worth it)', () => {
    const d = quantizeDecision(0.5, 0.5, 0.01, false, { float: 3816, int8: 3791 });
    expect(d.ship).toBe('float');
    expect(quantizeDecision(0.5, 0.5, 0.01, false, { float: 1000, int8: 801 }).ship).toBe('float');
    expect(quantizeDecision(0.5, 0.5, 0.01, false, { float: 1000, int8: 800 }).ship).toBe('int8');
  });

  it('ships float when one output moves by more than the tolerance, even with the metric within it', () => {
    const sizes = { float: 22591, int8: 8475 };
    const moved = quantizeDecision(52295, 52339, 0.01, false, sizes, { output: 'prediction', change: 0.099 });
    expect(moved.ship).toBe('float');
    expect(moved.reason).toMatch(/output prediction/);
    expect(quantizeDecision(52295, 52339, 0.01, false, sizes, { output: 'prediction', change: 0.009 }).ship).toBe(
      'int8',
    );
    expect(quantizeDecision(52295, 52339, 0.01, false, sizes, { output: 'prediction', change: NaN }).ship).toBe(
      'float',
    );
  });

  it('measures the largest relative output change per value, against the mean magnitude for small values, probabilities against 1', () => {
    // Mean |float| = 50.2: the 0.23 → −11.3 row moves by 11.53 / 50.2, the 100 → 101 row by 1%.
    const c = largestOutputChange({ prediction: [0.23, 100, 50.37] }, { prediction: [-11.3, 101, 50.37] });
    expect(c?.output).toBe('prediction');
    expect(c?.change).toBeCloseTo(11.53 / ((0.23 + 100 + 50.37) / 3), 10);
    const p = largestOutputChange(
      { label: [0, 1], probabilities: [0.9, 0.1, 0.2, 0.8] },
      { label: [1, 1], probabilities: [0.88, 0.12, 0.2, 0.8] },
    );
    expect(p).toEqual({ output: 'probabilities', change: expect.closeTo(0.02, 10) as number });
  });

  it('ships float when int8 does not make the artifact smaller', () => {
    const d = quantizeDecision(67473, 67469, 0.01, false, { float: 1676, int8: 1756 });
    expect(d.ship).toBe('float');
    expect(d.reason).toMatch(/not smaller/);
    expect(quantizeDecision(52295, 52339, 0.01, false, { float: 22591, int8: 8475 }).ship).toBe('int8');
  });
});
