import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import type { Table } from '../src/data/load.ts';
import { splitThreeWay, strataOf } from '../src/data/split3.ts';
import { mulberry32 } from '../src/random.ts';
import { SplitSpec } from '../src/spec/problem-spec.ts';

function table(n: number): Table {
  const rng = mulberry32(3);
  const income = Float64Array.from({ length: n }, () => rng() * 8);
  const group = Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 'a' : i % 10 < 9 ? 'b' : 'c'));
  const when = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2020, 0, 1 + ((i * 7) % n))).toISOString());
  return {
    source: 'synthetic',
    rowCount: n,
    columns: [
      { kind: 'numeric', name: 'income', values: income },
      { kind: 'categorical', name: 'group', values: group },
      { kind: 'categorical', name: 'when', values: when },
      { kind: 'numeric', name: 't', values: Float64Array.from({ length: n }, (_, i) => n - i) },
    ],
    lines: Array.from({ length: n }, (_, i) => i + 2),
  };
}

const spec = (s: Record<string, unknown>): SplitSpec => SplitSpec.parse(s);

function expectPartition(s: { train: number[]; validation: number[]; test: number[] }, n: number): void {
  const all = [...s.train, ...s.validation, ...s.test].sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('splitThreeWay', () => {
  it('random: 60/20/20, disjoint, covering, deterministic per seed', () => {
    const t = table(1000);
    const a = splitThreeWay(t, spec({ method: 'random' }), 42);
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([600, 200, 200]);
    expectPartition(a, 1000);
    expect(splitThreeWay(t, spec({ method: 'random' }), 42)).toEqual(a);
    expect(splitThreeWay(t, spec({ method: 'random' }), 7).test).not.toEqual(a.test);
  });

  it('stratified on a category keeps its proportions in every part', () => {
    const t = table(1000);
    const s = splitThreeWay(t, spec({ method: 'stratified', column: 'group', test: 0.2, validation: 0.1 }), 1);
    expectPartition(s, 1000);
    const group = t.columns[1]?.values as string[];
    const share = (rows: number[], g: string): number => rows.filter((r) => group[r] === g).length / rows.length;
    for (const part of [s.train, s.validation, s.test]) {
      expect(share(part, 'a')).toBeCloseTo(0.7, 2);
      expect(share(part, 'c')).toBeCloseTo(0.1, 2);
    }
    expect(s.test.length).toBe(200);
    expect(s.validation.length).toBe(100);
  });

  it('stratified on binned income: strata are the bins, each stratum tests round(n · 0.2) of its rows', () => {
    const t = table(500);
    const bins = [1.5, 3, 4.5, 6];
    const s = splitThreeWay(t, spec({ method: 'stratified', column: 'income', bins }), 42);
    const income = t.columns[0]?.values as Float64Array;
    const cats = Array.from(income, (v) => bins.filter((b) => v > b).length);
    expect(strataOf(t, 'income', bins)).toEqual(cats);
    const test = new Set(s.test);
    for (const k of new Set(cats)) {
      const rows = cats.flatMap((c, i) => (c === k ? [i] : []));
      expect(rows.filter((r) => test.has(r)).length).toBe(Math.round(rows.length * 0.2));
    }
    expectPartition(s, 500);
  });

  it('refuses to stratify on a many-valued numeric column without bins', () => {
    expect(() => splitThreeWay(table(200), spec({ method: 'stratified', column: 'income' }), 1)).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.SPEC_INVALID }),
    );
  });

  it('by time: oldest rows train, newest test', () => {
    const t = table(10);
    // Numeric time t = 10 − row: row 9 is oldest, rows 0–1 newest.
    expect(splitThreeWay(t, spec({ method: 'time', column: 't' }), 1)).toEqual({
      train: [4, 5, 6, 7, 8, 9],
      validation: [2, 3],
      test: [0, 1],
    });
    // ISO text time: row i has day 1 + 7i mod 10 → days 1,8,5,2,9,6,3,10,7,4.
    expect(splitThreeWay(t, spec({ method: 'time', column: 'when' }), 1)).toEqual({
      train: [0, 2, 3, 5, 6, 9],
      validation: [1, 8],
      test: [4, 7],
    });
  });

  it('makes no test rows when the test set is a separate source', () => {
    const s = splitThreeWay(table(100), spec({ method: 'random', validation: 0.25 }), 5, { testFromSource: true });
    expect(s.test).toEqual([]);
    expect(s.validation.length).toBe(25);
    expectPartition(s, 100);
  });

  it('fails on a missing time value, naming the line', () => {
    const t = table(5);
    (t.columns[2]?.values as string[])[3] = '';
    expect(() => splitThreeWay(t, spec({ method: 'time', column: 'when' }), 1)).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.DATA_VALUE_MISSING,
        details: expect.objectContaining({ line: 5 }),
      }),
    );
  });
});
