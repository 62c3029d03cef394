/**
 * The spec's `row_filters`, applied to each source's text cells when the data is read (after the
 * missing-value codes, before types are inferred and before the split), so training, validation
 * and test rows obey the same rule. A source left with no rows is an error.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { RowFilter } from '../spec/problem-spec.ts';
import type { RawTable } from './load.ts';

/** `raw` without the rows a filter drops (a new table; `raw` is not changed). */
export function filterRows(raw: RawTable, filters: readonly RowFilter[], target: string): RawTable {
  const index = (name: string): number => raw.header.indexOf(name);
  const tests = filters.map((f): ((row: string[]) => boolean) => {
    if (f.op === 'drop_missing') {
      const cols = (f.columns ?? [target]).map(index);
      return (row) => cols.every((c) => (row[c] as string).trim() !== '');
    }
    const c = index(f.column);
    return (row) => {
      const s = (row[c] as string).trim();
      if (s === '') return true;
      const v = Number(s);
      if (!Number.isFinite(v)) return false;
      return (f.min === undefined || v >= f.min) && (f.max === undefined || v <= f.max);
    };
  });
  const rows: string[][] = [];
  const lines: number[] = [];
  raw.rows.forEach((row, r) => {
    if (tests.every((keep) => keep(row))) {
      rows.push(row);
      lines.push(raw.lines[r] as number);
    }
  });
  if (rows.length === 0)
    throw trainerError(TrainerErrorCodes.DATA_EMPTY, `${raw.file}: the spec's row_filters leave no rows`, {
      file: raw.file,
      line: 2,
      filters: filters.map((f) => f.op),
    });
  return { ...raw, rows, lines };
}
