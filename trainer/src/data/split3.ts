/**
 * Train / validation / test split of a table's rows: random, stratified (a categorical column, or a
 * numeric one cut at `bins`) or by parsed time (oldest → train, newest → test; data/time.ts). Seeded and deterministic.
 * A stratified split takes each stratum's test rows first from the same seeded shuffle as
 * `stratifiedSplit` (split.ts), so both pick the same test rows for the same seed and strata.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { mulberry32, shuffled } from '../random.ts';
import type { SplitSpec } from '../spec/problem-spec.ts';
import { column, type Table } from './load.ts';
import { rowTimes } from './time.ts';

export interface ThreeWaySplit {
  train: number[];
  validation: number[];
  /** Empty when the test set is a separate data source. */
  test: number[];
}

export interface SplitOptions {
  /** The spec has a 'test' data source: make no test rows here, only train / validation. */
  testFromSource?: boolean;
}

/** Above this many distinct values a numeric stratification column needs `bins`. */
const MAX_STRATA = 50;

export function splitThreeWay(table: Table, split: SplitSpec, seed: number, options: SplitOptions = {}): ThreeWaySplit {
  const n = table.rowCount;
  if (n < 3)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `need at least 3 rows to split, have ${n}`, { rows: n });
  const testFraction = options.testFromSource ? 0 : split.test;
  if (split.method === 'time') return timeSplit(table, split, testFraction, split.validation);
  const strata =
    split.method === 'stratified' ? strataOf(table, split.column as string, split.bins) : new Array<number>(n).fill(0);
  return stratifiedThreeWay(strata, testFraction, split.validation, seed);
}

/** Stratum key per row: the bin index (value ≤ edge falls below it), the category, or the value. */
export function strataOf(table: Table, name: string, bins?: readonly number[]): (number | string)[] {
  const col = column(table, name);
  if (col.kind === 'categorical') return col.values.slice();
  const keys = Array.from(col.values, (v): number | string => {
    if (Number.isNaN(v)) return 'missing';
    if (!bins) return v;
    let k = 0;
    for (const edge of bins) if (v > edge) k++;
    return k;
  });
  if (!bins && new Set(keys).size > MAX_STRATA) {
    throw trainerError(
      TrainerErrorCodes.SPEC_INVALID,
      `split.bins: numeric column ${name} has more than ${MAX_STRATA} distinct values; give bins to stratify on it`,
      {
        field: 'split.bins',
        problem: 'required for a numeric column with many values',
        columnName: name,
      },
    );
  }
  return keys;
}

function compareKeys(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Within each stratum (in sorted key order) one seeded shuffle: test rows first, then validation. */
export function stratifiedThreeWay(
  strata: readonly (number | string)[],
  test: number,
  validation: number,
  seed: number,
): ThreeWaySplit {
  const groups = new Map<number | string, number[]>();
  strata.forEach((s, i) => {
    const g = groups.get(s);
    if (g) g.push(i);
    else groups.set(s, [i]);
  });
  const rng = mulberry32(seed);
  const out: ThreeWaySplit = { train: [], validation: [], test: [] };
  for (const key of [...groups.keys()].sort(compareKeys)) {
    const rows = shuffled(groups.get(key) as number[], rng);
    const nTest = Math.round(rows.length * test);
    const nVal = Math.round(rows.length * validation);
    out.test.push(...rows.slice(0, nTest));
    out.validation.push(...rows.slice(nTest, nTest + nVal));
    out.train.push(...rows.slice(nTest + nVal));
  }
  const byIndex = (a: number, b: number): number => a - b;
  return { train: out.train.sort(byIndex), validation: out.validation.sort(byIndex), test: out.test.sort(byIndex) };
}

/**
 * Sorted by parsed time (data/time.ts; ties keep file order): the newest `test` share is test, the
 * share before it validation.
 */
function timeSplit(table: Table, split: SplitSpec, test: number, validation: number): ThreeWaySplit {
  const times = rowTimes(table, split);
  const order = Array.from({ length: table.rowCount }, (_, i) => i);
  order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
  const n = order.length;
  const nTest = Math.round(n * test);
  const nVal = Math.round(n * validation);
  const byIndex = (a: number, b: number): number => a - b;
  return {
    train: order.slice(0, n - nTest - nVal).sort(byIndex),
    validation: order.slice(n - nTest - nVal, n - nTest).sort(byIndex),
    test: order.slice(n - nTest).sort(byIndex),
  };
}
