import { describe, expect, it } from 'vitest';
import { INCOME_CUTS, incomeCategory, kFold, stratifiedSplit } from '../src/data/split.ts';
import { loadDatasetFile } from '../src/data/dataset.ts';
import { DEFAULT_HOUSING_CSV } from '../src/cli/train-command.ts';
import { mulberry32, shuffled } from '../src/random.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('seeded randomness', () => {
  it('repeats for a seed and differs across seeds', () => {
    const a = Array.from({ length: 5 }, mulberry32(1));
    expect(Array.from({ length: 5 }, mulberry32(1))).toEqual(a);
    expect(Array.from({ length: 5 }, mulberry32(2))).not.toEqual(a);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(shuffled(range(10), mulberry32(3)).sort((x, y) => x - y)).toEqual(range(10));
  });
});

describe('income categories', () => {
  it('bins median_income at 1.5, 3, 4.5, 6', () => {
    expect(INCOME_CUTS).toEqual([1.5, 3, 4.5, 6]);
    expect([0.5, 1.5, 1.6, 3, 4.4, 5, 6, 15].map(incomeCategory)).toEqual([0, 0, 1, 1, 2, 3, 3, 4]);
  });
});

describe('k-fold', () => {
  it('makes disjoint folds that cover every row', () => {
    const rows = range(103).map((i) => i * 2);
    const folds = kFold(rows, 5, 42);
    expect(folds).toHaveLength(5);
    const seen = folds.flatMap((f) => f.validation);
    expect(new Set(seen).size).toBe(rows.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(rows);
    for (const f of folds) {
      expect(f.validation.length === 20 || f.validation.length === 21).toBe(true);
      expect(f.train.length + f.validation.length).toBe(rows.length);
      expect(f.train.some((r) => f.validation.includes(r))).toBe(false);
    }
    expect(kFold(rows, 5, 42)).toEqual(folds);
  });
});

describe('stratified split on the housing data', () => {
  const ds = loadDatasetFile(DEFAULT_HOUSING_CSV, { target: 'median_house_value' });
  const income = ds.features.find((c) => c.name === 'median_income');
  const strata = income?.kind === 'numeric' ? Array.from(income.values, incomeCategory) : [];

  it('keeps each income category within 1 percentage point and never overlaps', () => {
    const split = stratifiedSplit(strata, 0.2, 42);
    expect(split.train.length + split.test.length).toBe(ds.rowCount);
    expect(split.test.length / ds.rowCount).toBeCloseTo(0.2, 2);
    const train = new Set(split.train);
    expect(split.test.some((r) => train.has(r))).toBe(false);
    const share = (rows: number[], k: number): number => rows.filter((r) => strata[r] === k).length / rows.length;
    for (let k = 0; k <= 4; k++) {
      const all = share(range(ds.rowCount), k);
      expect(Math.abs(share(split.test, k) - all)).toBeLessThan(0.01);
      expect(Math.abs(share(split.train, k) - all)).toBeLessThan(0.01);
    }
  });

  it('is deterministic for a seed', () => {
    expect(stratifiedSplit(strata, 0.2, 42)).toEqual(stratifiedSplit(strata, 0.2, 42));
    expect(stratifiedSplit(strata, 0.2, 43).test).not.toEqual(stratifiedSplit(strata, 0.2, 42).test);
  });
});
