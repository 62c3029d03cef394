import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { mulberry32, shuffled } from '../random.ts';

export interface Split {
  train: number[];
  test: number[];
}

/** Income categories as in Géron ch. 2: median_income cut at 1.5, 3, 4.5, 6. */
export const INCOME_CUTS = [1.5, 3, 4.5, 6] as const;

export function incomeCategory(income: number): number {
  let k = 0;
  for (const cut of INCOME_CUTS) if (income > cut) k++;
  return k;
}

/**
 * Stratified split: within each stratum, a seeded shuffle puts round(n·fraction) rows in test.
 * Indices come back sorted so downstream order does not depend on stratum order.
 */
export function stratifiedSplit(strata: ArrayLike<number>, testFraction: number, seed: number): Split {
  if (strata.length < 2)
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `need at least 2 rows to split, have ${strata.length}`);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < strata.length; i++) {
    const s = strata[i] as number;
    const g = groups.get(s);
    if (g) g.push(i);
    else groups.set(s, [i]);
  }
  const rng = mulberry32(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const rows = shuffled(groups.get(key) as number[], rng);
    const nTest = Math.round(rows.length * testFraction);
    test.push(...rows.slice(0, nTest));
    train.push(...rows.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

export interface Fold {
  train: number[];
  validation: number[];
}

/** K disjoint validation folds over `rows` after a seeded shuffle; together they cover every row. */
export function kFold(rows: readonly number[], k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 2 || rows.length < k) {
    throw trainerError(TrainerErrorCodes.DATA_TOO_SMALL, `cannot make ${k} folds from ${rows.length} rows`, {
      rows: rows.length,
      k,
    });
  }
  const order = shuffled(rows, mulberry32(seed));
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const start = Math.floor((f * order.length) / k);
    const end = Math.floor(((f + 1) * order.length) / k);
    const validation = order.slice(start, end);
    const train = [...order.slice(0, start), ...order.slice(end)];
    folds.push({ train, validation });
  }
  return folds;
}
