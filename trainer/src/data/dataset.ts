import { readFileSync } from 'node:fs';
import { parseCsv, type CsvTable } from '@outpost/protocol';
import { TrainerErrorCodes, trainerError } from '../errors.ts';

/** A numeric column: NaN marks a missing (empty) value. */
export interface NumericColumn {
  kind: 'numeric';
  name: string;
  values: Float64Array;
}

/** A categorical column: '' marks a missing value. */
export interface CategoricalColumn {
  kind: 'categorical';
  name: string;
  values: string[];
}

export type Column = NumericColumn | CategoricalColumn;

/** A columnar table with one numeric target. */
export interface Dataset {
  source: string;
  rowCount: number;
  /** Feature columns in CSV order (the target excluded). */
  features: Column[];
  target: NumericColumn;
  /** 1-based CSV line of each row. */
  lines: number[];
}

export interface LoadOptions {
  target: string;
  /** Columns that must be numeric: text in them is an error rather than a categorical column. */
  expectNumeric?: readonly string[];
}

export function readDataFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw trainerError(TrainerErrorCodes.DATA_UNREADABLE, `${path}: cannot read the data file`, { file: path }, cause);
  }
}

export function loadDatasetFile(path: string, options: LoadOptions): Dataset {
  return parseDataset(readDataFile(path).toString('utf8'), path, options);
}

/** Parses CSV text into a typed, columnar dataset. */
export function parseDataset(text: string, source: string, options: LoadOptions): Dataset {
  if (text.trim() === '') throw trainerError(TrainerErrorCodes.DATA_EMPTY, `${source}: empty file`, { file: source });
  const table = parseCsv(text, source);
  if (table.rows.length === 0)
    throw trainerError(TrainerErrorCodes.DATA_EMPTY, `${source}: no data rows`, { file: source });
  const targetIndex = table.header.indexOf(options.target);
  if (targetIndex < 0) {
    throw trainerError(TrainerErrorCodes.DATA_TARGET_MISSING, `${source}: no target column "${options.target}"`, {
      file: source,
      target: options.target,
      header: table.header,
    });
  }
  for (const name of options.expectNumeric ?? []) {
    if (!table.header.includes(name)) {
      throw trainerError(TrainerErrorCodes.DATA_COLUMN_MISSING, `${source}: no column "${name}"`, {
        file: source,
        columnName: name,
      });
    }
  }
  const mustBeNumeric = new Set([options.target, ...(options.expectNumeric ?? [])]);
  const columns = table.header.map((name, c) => readColumn(table, source, c, mustBeNumeric.has(name)));
  const target = columns[targetIndex] as NumericColumn;
  assertTargetPresent(target, table, source);
  return {
    source,
    rowCount: table.rows.length,
    features: columns.filter((_, c) => c !== targetIndex),
    target,
    lines: table.lines,
  };
}

/** A column is numeric when every non-empty value parses as a finite number. */
function readColumn(table: CsvTable, source: string, c: number, mustBeNumeric: boolean): Column {
  const name = table.header[c] as string;
  const raw = table.rows.map((row) => (row[c] as string).trim());
  const values = new Float64Array(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const s = raw[r] as string;
    const x = s === '' ? NaN : Number(s);
    if (s !== '' && !Number.isFinite(x)) {
      if (!mustBeNumeric) return { kind: 'categorical', name, values: raw };
      const line = table.lines[r] as number;
      throw trainerError(
        TrainerErrorCodes.DATA_NOT_NUMERIC,
        `${source}:${line}: column ${c + 1} (${name}) has text ${JSON.stringify(s)} where a number is expected`,
        {
          file: source,
          line,
          column: c + 1,
          columnName: name,
          value: s,
        },
      );
    }
    values[r] = x;
  }
  return { kind: 'numeric', name, values };
}

function assertTargetPresent(target: NumericColumn, table: CsvTable, source: string): void {
  const r = target.values.findIndex((v) => Number.isNaN(v));
  if (r >= 0) {
    const line = table.lines[r] as number;
    throw trainerError(TrainerErrorCodes.DATA_TARGET_EMPTY, `${source}:${line}: no value for target ${target.name}`, {
      file: source,
      line,
      columnName: target.name,
    });
  }
}

/** A raw row as a device would send it: numbers, category strings, null for missing. */
export type RawRecord = Record<string, number | string | null>;

export function rawRecord(ds: Dataset, row: number): RawRecord {
  const out: RawRecord = {};
  for (const col of ds.features) {
    if (col.kind === 'numeric') {
      const v = col.values[row] as number;
      out[col.name] = Number.isNaN(v) ? null : v;
    } else {
      const v = col.values[row] as string;
      out[col.name] = v === '' ? null : v;
    }
  }
  return out;
}
