import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeTarget, loadSpecData, specFeatureColumns } from '../src/data/load.ts';
import { splitAndLock } from '../src/data/locked-test.ts';
import type { Table } from '../src/data/load.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import type { ProblemSpec } from '../src/spec/problem-spec.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const spec = (name: string): ReturnType<typeof loadSpec> =>
  loadSpec(join(REPO, 'firmware-models', name, 'problem.yaml'));

const features = (table: Table, s: ProblemSpec): string[] =>
  specFeatureColumns(
    s,
    table.columns.map((c) => c.name),
  );

describe('shipped specs load with their data', () => {
  it('housing: 20,640 rows, stratified 60/20/20 with the test rows locked', () => {
    const loaded = spec('housing');
    const data = loadSpecData(loaded);
    expect(data.train.rowCount).toBe(20640);
    expect(data.kinds.get('ocean_proximity')).toBe('categorical');
    expect(data.sources[0]?.sha256).toBe('8a3727f4cf54ac1a327f69b1d5b4db54c5834ea81c6e4efc0d163300022a685e');
    const split = splitAndLock(data, loaded.spec);
    expect(split.test.rowCount).toBe(4127);
    expect(split.table.rowCount).toBe(20640 - 4127);
    expect(split.train.length + split.validation.length).toBe(split.table.rowCount);
    expect(features(split.table, loaded.spec)).toHaveLength(9);
    expect(loaded.spec.target.column).toBe('median_house_value');
  });

  it('occupancy: train, test and extra-test sources; id and date are not features', () => {
    const loaded = spec('occupancy');
    const data = loadSpecData(loaded);
    expect([data.train.rowCount, data.test?.rowCount, data.extraTests[0]?.rowCount]).toEqual([8143, 9752, 2665]);
    const split = splitAndLock(data, loaded.spec);
    expect(split.test.rowCount).toBe(9752);
    expect(split.extraTests.map((t) => [t.name, t.rowCount])).toEqual([['extra-test-1', 2665]]);
    expect(split.table.rowCount).toBe(8143); // the test set is a separate source: nothing carved out
    expect(features(split.table, loaded.spec)).toEqual(['Temperature', 'Humidity', 'Light', 'CO2', 'HumidityRatio']);
    expect(encodeTarget(split.table, loaded.spec).classes).toEqual(['0', '1']);
  });

  it('shipping: late = 1 is the positive class, ID is not a feature, strata keep the late share', () => {
    const loaded = spec('shipping');
    const data = loadSpecData(loaded);
    expect(data.train.rowCount).toBe(10999);
    const split = splitAndLock(data, loaded.spec);
    const target = encodeTarget(split.table, loaded.spec);
    expect(target.classes).toEqual(['0', '1']);
    expect(features(split.table, loaded.spec)).not.toContain('ID');
    const late = target.values.reduce((s, v) => s + v, 0) / split.table.rowCount;
    expect(late).toBeCloseTo(6563 / 10999, 3);
  });
});
