import { describe, expect, it } from 'vitest';
import { groupFolds, groupKeys } from '../src/run/group-folds.ts';
import { codeOf } from './helpers.ts';
import { TrainerErrorCodes } from '../src/errors.ts';

describe('grouped k-fold', () => {
  const days = [
    '2015-02-04 17:51:00',
    '2015-02-04 18:00:00',
    '2015-02-05 09:00:00',
    '2015-02-05 10:00:00',
    '2015-02-05 11:00:00',
    '2015-02-06 00:00:00',
    '2015-02-07 08:00:00',
  ];

  it('keys a timestamp by its day', () => {
    const keys = groupKeys({ kind: 'categorical', name: 'date', values: days }, 'day');
    expect(keys).toEqual([
      '2015-02-04',
      '2015-02-04',
      '2015-02-05',
      '2015-02-05',
      '2015-02-05',
      '2015-02-06',
      '2015-02-07',
    ]);
  });

  it('keeps each group whole in one fold; folds are disjoint and cover the rows', () => {
    const keys = groupKeys({ kind: 'categorical', name: 'date', values: days }, 'day');
    const rows = [0, 1, 2, 3, 4, 5, 6];
    const folds = groupFolds(rows, 3, keys);
    expect(folds).toHaveLength(3);
    const held = folds.flatMap((f) => f.validation).sort((a, b) => a - b);
    expect(held).toEqual(rows);
    for (const f of folds) {
      expect(f.train.filter((r) => f.validation.includes(r))).toEqual([]);
      expect([...f.train, ...f.validation].sort((a, b) => a - b)).toEqual(rows);
      const heldDays = new Set(f.validation.map((r) => keys[r]));
      for (const r of f.train) expect(heldDays.has(keys[r])).toBe(false);
    }
    // Largest group (the 3 rows of 02-05) first, then the fold with the fewest rows.
    expect(folds[0]?.validation).toEqual([2, 3, 4]);
    expect(folds[1]?.validation).toEqual([0, 1]);
    expect(folds[2]?.validation).toEqual([5, 6]);
  });

  it('only uses the rows it is given', () => {
    const keys = ['a', 'a', 'b', 'b', 'c', 'c'];
    const folds = groupFolds([0, 2, 3, 4], 2, keys);
    expect(folds.flatMap((f) => f.validation).sort((a, b) => a - b)).toEqual([0, 2, 3, 4]);
  });

  it('refuses fewer groups than folds, and a non-timestamp with by: day', () => {
    expect(codeOf(() => groupFolds([0, 1, 2], 3, ['a', 'a', 'b']))).toBe(TrainerErrorCodes.DATA_TOO_SMALL);
    expect(codeOf(() => groupKeys({ kind: 'categorical', name: 'd', values: ['monday'] }, 'day'))).toBe(
      TrainerErrorCodes.SPEC_INVALID,
    );
    expect(codeOf(() => groupKeys({ kind: 'numeric', name: 'g', values: Float64Array.from([1, NaN]) }, 'value'))).toBe(
      TrainerErrorCodes.DATA_VALUE_MISSING,
    );
  });
});
