import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquare, chiSquareSurvival, kolmogorovSurvival, ksFromBins } from '../../src/monitor/statistics.ts';
import { checkAgainstScipy, type ScipyFixture } from './scipy-check.ts';

const SCIPY_FIXTURE = new URL('./fixtures/scipy-statistics.json', import.meta.url);

describe('drift statistics against scipy on the same bins', () => {
  it('PSI, Jensen–Shannon, χ² (statistic, df, p) and binned KS (D, p) agree with the committed scipy fixture', () => {
    checkAgainstScipy(JSON.parse(readFileSync(SCIPY_FIXTURE, 'utf8')) as ScipyFixture);
  });

  it('the fixture covers small and large samples, empty reference bins, and both drifted and stable cases', () => {
    const f = JSON.parse(readFileSync(SCIPY_FIXTURE, 'utf8')) as ScipyFixture;
    const sizes = f.cases.map((c) => c.observed.reduce((a, b) => a + b, 0));
    expect(Math.min(...sizes)).toBeLessThanOrEqual(31);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(20_000);
    expect(f.cases.some((c) => c.reference.includes(0))).toBe(true);
    expect(f.cases.some((c) => c.chi2.pValue < 1e-6)).toBe(true);
    expect(f.cases.some((c) => c.chi2.pValue > 0.1)).toBe(true);
  });

  it('survival functions: known values and edges', () => {
    // χ²(1) at 3.841458820694124 is the 95th percentile; χ²(2) survival is exp(−x/2)
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(10, 2)).toBeCloseTo(Math.exp(-5), 14);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(kolmogorovSurvival(0)).toBe(1);
    // K's 95th percentile is 1.3580986393225505
    expect(kolmogorovSurvival(1.3580986393225505)).toBeCloseTo(0.05, 10);
    expect(Number.isNaN(chiSquare([1, 0], [5, 5]).statistic)).toBe(true);
    expect(Number.isNaN(ksFromBins([0.5, 0.5], [0, 0]).pValue)).toBe(true);
  });
});
