import { describe, expect, it } from 'vitest';
import { PSI_EPSILON, jensenShannon, psi } from '../src/drift/psi.ts';

/** Tolerance for hand-computed values (ε smoothing moves them by about 1e-4). */
const SMOOTHING_TOLERANCE = 1e-3;
const EXACT = 1e-12;

describe('psi', () => {
  it('is 0 for identical distributions, and for counts proportional to the reference', () => {
    expect(psi([0.25, 0.25, 0.5], [0.25, 0.25, 0.5])).toBeCloseTo(0, 12);
    expect(Math.abs(psi([0.25, 0.25, 0.5], [250, 250, 500]))).toBeLessThan(EXACT);
    // zero bins on both sides are smoothed alike and still give 0
    expect(Math.abs(psi([0.5, 0, 0.5], [10, 0, 10]))).toBeLessThan(EXACT);
  });

  it('matches a hand-computed case: reference 50/50, observed 70/30', () => {
    // 0.2·ln(0.7/0.5) + (−0.2)·ln(0.3/0.5) = 0.169459572…
    expect(psi([0.5, 0.5], [70, 30], 0)).toBeCloseTo(0.16945957207744072, 12);
    expect(Math.abs(psi([0.5, 0.5], [70, 30]) - 0.16945957207744072)).toBeLessThan(SMOOTHING_TOLERANCE);
  });

  it('stays finite for an empty observed bin, using ε = 1e-4', () => {
    expect(PSI_EPSILON).toBe(1e-4);
    // observed [1, 0] vs reference [0.5, 0.5], both smoothed with ε: 4.604299…
    expect(psi([0.5, 0.5], [100, 0])).toBeCloseTo(4.6042993236235334, 9);
  });

  it('gives the same value for 70/30 and 30/70 against 50/50', () => {
    expect(psi([0.5, 0.5], [30, 70])).toBeCloseTo(psi([0.5, 0.5], [70, 30]), 12);
  });

  it('is NaN with no observations and refuses mismatched lengths', () => {
    expect(psi([0.5, 0.5], [0, 0])).toBeNaN();
    expect(() => psi([0.5, 0.5], [1, 2, 3])).toThrow(RangeError);
  });
});

describe('jensenShannon', () => {
  it('is 0 for identical distributions and 1 bit for disjoint ones', () => {
    expect(jensenShannon([0.2, 0.8], [20, 80])).toBeCloseTo(0, 12);
    expect(jensenShannon([1, 0], [0, 5])).toBeCloseTo(1, 12);
  });

  it('matches a hand-computed case: reference 50/50, observed 70/30', () => {
    // M = [0.6, 0.4]; (KL(P‖M) + KL(Q‖M)) / 2 in bits = 0.030305144…
    expect(jensenShannon([0.5, 0.5], [70, 30])).toBeCloseTo(0.030305144839322347, 12);
  });
});
