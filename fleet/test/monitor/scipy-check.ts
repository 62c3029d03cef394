/** Comparison of the fleet's drift statistics with scipy's values (bench/python/monitor_statistics.py). */
import { expect } from 'vitest';
import { jensenShannon, psi } from '../../src/drift/psi.ts';
import { chiSquare, ksFromBins } from '../../src/monitor/statistics.ts';

/** What bench/python/monitor_statistics.py wrote with scipy (the system test re-runs it). */
export interface ScipyFixture {
  cases: {
    reference: number[];
    observed: number[];
    psi: number;
    js: number;
    chi2: { statistic: number; df: number; pValue: number };
    ks: { statistic: number; pValue: number };
  }[];
}

/** Relative agreement, with an absolute floor for values near 0. */
export function close(actual: number, expected: number, rel = 1e-9, abs = 1e-12): boolean {
  return Math.abs(actual - expected) <= Math.max(abs, rel * Math.abs(expected));
}

export function checkAgainstScipy(fixture: ScipyFixture): void {
  expect(fixture.cases.length).toBeGreaterThanOrEqual(20);
  for (const [i, c] of fixture.cases.entries()) {
    const where = `case ${i}`;
    expect(close(psi(c.reference, c.observed), c.psi), `${where} psi`).toBe(true);
    expect(close(jensenShannon(c.reference, c.observed), c.js, 1e-9, 1e-13), `${where} js`).toBe(true);
    const chi = chiSquare(c.reference, c.observed);
    expect(chi.df, `${where} df`).toBe(c.chi2.df);
    expect(close(chi.statistic, c.chi2.statistic), `${where} chi2`).toBe(true);
    expect(close(chi.pValue, c.chi2.pValue, 1e-7, 1e-14), `${where} chi2 p ${chi.pValue} vs ${c.chi2.pValue}`).toBe(
      true,
    );
    const ks = ksFromBins(c.reference, c.observed);
    expect(close(ks.statistic, c.ks.statistic), `${where} ks`).toBe(true);
    expect(close(ks.pValue, c.ks.pValue, 1e-7, 1e-14), `${where} ks p ${ks.pValue} vs ${c.ks.pValue}`).toBe(true);
  }
}
