/**
 * Grouped k-fold (the spec's `cv.group`): every row of a group — one day of minute-level readings —
 * lands in the same fold, so a fold's held-out rows are never a minute away from a training row.
 * Groups are dealt largest first to the fold with the fewest rows so far (ties: the lower fold),
 * which is deterministic and keeps folds close in size; no seed is needed.
 */
import type { Column } from '../data/dataset.ts';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { CvSpec } from '../spec/problem-spec.ts';
import type { Fold } from './cv.ts';

/** The group key of each row of `col` under `by`. A missing value is an error: it has no group. */
export function groupKeys(col: Column, by: NonNullable<CvSpec['group']>['by']): string[] {
  const keys =
    col.kind === 'numeric' ? Array.from(col.values, (v) => (Number.isNaN(v) ? '' : String(v))) : col.values.slice();
  return keys.map((k, row) => {
    if (k === '')
      throw trainerError(TrainerErrorCodes.DATA_VALUE_MISSING, `cv.group: row ${row + 1} has no value in ${col.name}`, {
        columnName: col.name,
        row,
      });
    if (by === 'value') return k;
    const day = /^(\d{4}-\d{2}-\d{2})/.exec(k);
    if (!day)
      throw trainerError(
        TrainerErrorCodes.SPEC_INVALID,
        `cv.group.by: day needs ISO timestamps (YYYY-MM-DD…) but ${col.name} has "${k}" at row ${row + 1}`,
        {
          field: 'cv.group.by',
          problem: 'column is not an ISO timestamp',
          columnName: col.name,
          row,
        },
      );
    return day[1] as string;
  });
}

/**
 * `by: day` on the time column of a split by time: the UTC calendar day of each row's parsed
 * time (data/time.ts), so `DD/MM/YYYY` dates — or a date and a time column — group by day too.
 */
export function dayKeysOfTimes(times: Float64Array): string[] {
  return Array.from(times, (t) => new Date(t).toISOString().slice(0, 10));
}

/** k disjoint folds covering `rows`, each group of `keys` (indexed by row) whole in one fold. */
export function groupFolds(rows: readonly number[], k: number, keys: readonly string[]): Fold[] {
  if (!(Number.isInteger(k) && k >= 2))
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `cross-validation needs k ≥ 2 folds, got ${k}`, { folds: k });
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const key = keys[r] as string;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  if (groups.size < k)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `cannot make ${k} grouped folds from ${groups.size} groups`, {
      groups: groups.size,
      folds: k,
    });
  const order = [...groups.entries()].sort(
    (a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const assigned: number[][] = Array.from({ length: k }, () => []);
  for (const [, members] of order) {
    let smallest = 0;
    for (let f = 1; f < k; f++)
      if ((assigned[f] as number[]).length < (assigned[smallest] as number[]).length) smallest = f;
    (assigned[smallest] as number[]).push(...members);
  }
  const byIndex = (a: number, b: number): number => a - b;
  return assigned.map((held, f) => ({
    validation: [...held].sort(byIndex),
    train: assigned.flatMap((g, j) => (j === f ? [] : g)).sort(byIndex),
  }));
}
