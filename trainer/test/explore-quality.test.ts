import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Column } from '../src/data/dataset.ts';
import { DRIFT_PSI, PSI_MIN_ROWS, featureDrift } from '../src/explore/drift.ts';
import { exploreSpec } from '../src/explore/explore-spec.ts';
import { renderExploreHtml } from '../src/explore/html.ts';
import { STUCK_MIN_RUN, columnQuality } from '../src/explore/quality.ts';
import { mulberry32 } from '../src/random.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/air-quality/problem.yaml', import.meta.url));
const num = (values: number[]): Column => ({ kind: 'numeric', name: 'x', values: Float64Array.from(values) });
const rows = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function noisy(n: number, seed: number, shift = 0): number[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => Math.round((50 + shift + 10 * (rng() + rng() + rng() - 1.5)) * 10) / 10);
}

describe('stuck, floor and ceiling runs', () => {
  it('names a run of one value inside the range as stuck, with its lines', () => {
    const v = noisy(500, 1);
    for (let i = 200; i < 260; i++) v[i] = 51.3;
    const q = columnQuality(
      num(v),
      rows(500),
      rows(500).map((i) => i + 2),
    );
    expect(q.stuck).toEqual({ kind: 'stuck', value: 51.3, rows: 60, firstLine: 202, lastLine: 261 });
  });

  it('a run at the minimum is a floor, at the maximum a ceiling; short runs and flags are not reported', () => {
    const floor = noisy(500, 2);
    for (let i = 10; i < 10 + STUCK_MIN_RUN; i++) floor[i] = 0;
    expect(columnQuality(num(floor), rows(500), rows(500)).stuck?.kind).toBe('floor');
    const ceiling = noisy(500, 3);
    for (let i = 10; i < 50; i++) ceiling[i] = 1000;
    expect(columnQuality(num(ceiling), rows(500), rows(500)).stuck?.kind).toBe('ceiling');
    const short = noisy(500, 4);
    for (let i = 10; i < 10 + STUCK_MIN_RUN - 1; i++) short[i] = 51.3;
    expect(columnQuality(num(short), rows(500), rows(500)).stuck).toBeUndefined();
    const flag = rows(500).map((i) => (i < 250 ? 0 : 1)); // a 0/1 column may stay put
    expect(columnQuality(num(flag), rows(500), rows(500))).toEqual({});
  });

  it('runs are read in the order given (time order), not file order', () => {
    const v = noisy(200, 5);
    const order = rows(200);
    // Rows 0, 2, 4, … hold 7 in file order; in the given order they are consecutive.
    for (let i = 0; i < 60; i++) v[2 * i] = 7.5;
    const evenFirst = [...order.filter((i) => i % 2 === 0), ...order.filter((i) => i % 2 === 1)];
    expect(columnQuality(num(v), order, order).stuck).toBeUndefined();
    expect(columnQuality(num(v), evenFirst, order).stuck).toMatchObject({ rows: 60 });
  });

  it('a share of rows at the minimum is a floor spike', () => {
    const v = noisy(500, 6).map((x, i) => (i % 10 === 0 ? 0 : x));
    expect(columnQuality(num(v), rows(500), rows(500)).floor).toMatchObject({ value: 0, count: 50 });
  });
});

describe('drift across time periods', () => {
  it('PSI is near 0 for the same distribution and large for a shifted one; values beyond the training range are counted', () => {
    const train = num(noisy(1000, 7));
    const same = featureDrift(train, { validation: num(noisy(400, 8)), test: num(noisy(400, 9, 12)) });
    expect(same.validation?.psi).toBeLessThan(0.1);
    expect(same.test?.psi).toBeGreaterThan(DRIFT_PSI);
    expect(same.validation?.outsideRange).toBeLessThan(0.02);
    expect(same.test?.outsideRange).toBeGreaterThan(0.1);
  });

  it('gives no PSI under the small-sample guard', () => {
    const d = featureDrift(num(noisy(1000, 10)), { test: num(noisy(PSI_MIN_ROWS - 1, 11, 12)) });
    expect(d.test?.psi).toBeUndefined();
    expect(d.test?.rows).toBe(PSI_MIN_ROWS - 1);
  });

  it('compares categories, with unseen ones in their own bin', () => {
    const cat = (values: string[]): Column => ({ kind: 'categorical', name: 'c', values });
    const train = cat(rows(600).map((i) => ['a', 'b', 'c'][i % 3] as string));
    const d = featureDrift(train, {
      validation: cat(rows(300).map((i) => ['a', 'b', 'c'][i % 3] as string)),
      test: cat(rows(300).map((i) => (i % 2 === 0 ? 'new' : 'a'))),
    });
    expect(d.validation?.psi).toBeCloseTo(0, 6);
    expect(d.test?.psi).toBeGreaterThan(DRIFT_PSI);
  });
});

describe('explore on an hourly station (DD/MM/YYYY + time column, -200 outages)', () => {
  it('names the stuck humidity sensor and the drifting NOx sensor, and only them', () => {
    const { summary, html } = exploreSpec(FIXTURE);
    const of = (kind: string): string[] =>
      summary.warnings
        .filter((w) => w.kind === kind)
        .map((w) => w.column as string)
        .sort();
    expect(of('stuck')).toEqual(['RH']);
    expect(of('drift')).toEqual(['NOx']);
    expect(of('leak-feature')).toEqual([]);
    const rh = summary.columns.find((c) => c.name === 'RH');
    expect(rh?.quality?.stuck).toMatchObject({ kind: 'stuck', value: 48.3 });
    // Stable features have a PSI, under the threshold, for both later periods.
    for (const name of ['NO2', 'T', 'RH']) {
      const f = summary.drift?.features.find((d) => d.column === name);
      expect(f?.validation?.psi, name).toBeLessThan(DRIFT_PSI);
      expect(f?.test?.psi, name).toBeLessThan(DRIFT_PSI);
    }
    expect(summary.drift?.features.map((f) => f.column)).not.toContain('CO'); // the target is not a feature
    expect(summary.scope).toContain('target is never read');
    expect(html).toContain('Drift across time');
    expect(renderExploreHtml(summary)).toBe(html);
  });
});
