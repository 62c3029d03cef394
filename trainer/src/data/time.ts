/**
 * The time of each row for a split by time: the split's `column` (and `time_column`) parsed under
 * its `format` (time-format.ts).
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { SplitSpec } from '../spec/problem-spec.ts';
import { column, type Table } from './load.ts';
import { timeParser } from './time-format.ts';

/**
 * The time of every row of `table` under the split's `column`, `time_column` and `format`, in
 * milliseconds since 1970 (a numeric column with no format: its numbers). Throws
 * DATA_VALUE_MISSING for an empty cell and DATA_TIME_INVALID for a value that does not parse.
 */
export function rowTimes(table: Table, split: Pick<SplitSpec, 'column' | 'time_column' | 'format'>): Float64Array {
  const name = split.column as string;
  const date = column(table, name);
  const time = split.time_column === undefined ? undefined : column(table, split.time_column);
  const out = new Float64Array(table.rowCount);
  if (date.kind === 'numeric' && !time && split.format === undefined) {
    for (let r = 0; r < table.rowCount; r++) {
      const v = date.values[r] as number;
      if (Number.isNaN(v)) throw missingTime(table, name, r);
      out[r] = v;
    }
    return out;
  }
  const parse = timeParser(split.format);
  const text = (col: typeof date, r: number): string =>
    col.kind === 'numeric' ? (Number.isNaN(col.values[r]) ? '' : String(col.values[r])) : (col.values[r] as string);
  for (let r = 0; r < table.rowCount; r++) {
    const d = text(date, r);
    if (d === '') throw missingTime(table, name, r);
    let value = d;
    if (time) {
      const t = text(time, r);
      if (t === '') throw missingTime(table, time.name, r);
      value = `${d} ${t}`;
    }
    const ms = parse(value);
    if (ms === undefined) throw badTime(table, time ? [name, time.name] : [name], r, value, split.format ?? 'iso');
    out[r] = ms;
  }
  return out;
}

function columnNumber(table: Table, name: string): number {
  return table.columns.findIndex((c) => c.name === name) + 1;
}

function missingTime(table: Table, name: string, row: number): Error {
  const line = table.lines[row] as number;
  return trainerError(
    TrainerErrorCodes.DATA_VALUE_MISSING,
    `${table.source}:${line}: no value in time column ${name}`,
    {
      file: table.source,
      line,
      column: columnNumber(table, name),
      columnName: name,
    },
  );
}

function badTime(table: Table, names: string[], row: number, value: string, format: string): Error {
  const line = table.lines[row] as number;
  const col = columnNumber(table, names[0] as string);
  return trainerError(
    TrainerErrorCodes.DATA_TIME_INVALID,
    `${table.source}:${line}: column ${col} (${names.join(' + ')}) has ${JSON.stringify(value)}, not a time in format ${format} (spec field split.format)`,
    { file: table.source, line, column: col, columnName: names.join(' + '), value, format },
  );
}
