/**
 * Spec-driven loading: every source (CSV or SQLite) is read as text cells, the spec's missing-value
 * codes emptied (missing-codes.ts) and its row filters applied to every source alike
 * (row-filters.ts), column types are inferred across all sources together (so train and test
 * agree), spec overrides applied, and the result is
 * a `Table` of typed columns (dataset.ts), the target included, with any type: a classification
 * target may be text ('yes'/'no'); `encodeTarget` turns it into the class indices learners take.
 */
import { createHash } from 'node:crypto';
import { parseCsv } from '@outpost/protocol';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { checkSpecColumns, type LoadedSpec, type ResolvedSource } from '../spec/load-spec.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import { readDataFile, type CategoricalColumn, type Column } from './dataset.ts';
import { applyMissingCodes } from './missing-codes.ts';
import { filterRows } from './row-filters.ts';
import { readSqliteRaw } from './sqlite-source.ts';

/** Text cells as read, before typing. */
export interface RawTable {
  source: string;
  file: string;
  header: string[];
  rows: string[][];
  /** CSV: 1-based file line per row; SQLite: 1-based result row. */
  lines: number[];
  lineKind: 'line' | 'row';
  /** sha256 of the file bytes (CSV) or of the result rows (SQLite). */
  sha256: string;
}

export interface Table {
  source: string;
  rowCount: number;
  /** Every column in source order, the target included. */
  columns: Column[];
  lines: number[];
}

export type ColumnKind = Column['kind'];

/** Rows a spec's row filters dropped from one source (data/row-filters.ts). */
export interface FilteredRows {
  source: string;
  role: string;
  dropped: number;
}

export interface SpecData {
  /** All 'train' sources, concatenated: the pool split into train / validation (/ test). */
  train: Table;
  /** The 'test' source, when the spec gives one (then the split makes no test rows). */
  test?: Table;
  extraTests: Table[];
  kinds: Map<string, ColumnKind>;
  sources: { role: string; source: string; sha256: string; rows: number }[];
  /** Per source, the rows the spec's `row_filters` dropped (empty when it has none). */
  filtered?: FilteredRows[];
}

export function readCsvRaw(path: string): RawTable {
  const bytes = readDataFile(path);
  const text = bytes.toString('utf8');
  if (text.trim() === '')
    throw trainerError(TrainerErrorCodes.DATA_EMPTY, `${path}: empty file`, { file: path, line: 1 });
  const t = parseCsv(text, path);
  if (t.rows.length === 0)
    throw trainerError(TrainerErrorCodes.DATA_EMPTY, `${path}: no data rows`, { file: path, line: 2 });
  return {
    source: path,
    file: path,
    header: t.header,
    rows: t.rows,
    lines: t.lines,
    lineKind: 'line',
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

export function readSourceRaw(s: ResolvedSource): RawTable {
  return 'csv' in s ? readCsvRaw(s.path) : readSqliteRaw(s.path, { table: s.table, query: s.query });
}

/**
 * A column is numeric when every non-empty cell in every table parses as a finite number.
 * `overrides` force a kind; text in a column forced numeric is an error naming file, line, column.
 */
export function inferKinds(
  raws: readonly RawTable[],
  overrides: Readonly<Record<string, ColumnKind>> = {},
): Map<string, ColumnKind> {
  const kinds = new Map<string, ColumnKind>();
  const first = raws[0];
  if (!first) return kinds;
  for (const name of first.header) {
    const forced = overrides[name];
    if (forced === 'categorical') {
      kinds.set(name, 'categorical');
      continue;
    }
    let numeric = true;
    for (const raw of raws) {
      const c = raw.header.indexOf(name);
      for (let r = 0; r < raw.rows.length && numeric; r++) {
        const s = ((raw.rows[r] as string[])[c] as string).trim();
        if (s === '' || Number.isFinite(Number(s))) continue;
        if (forced === 'numeric') throw notNumeric(raw, r, c, s);
        numeric = false;
      }
    }
    kinds.set(name, numeric ? 'numeric' : 'categorical');
  }
  return kinds;
}

function notNumeric(raw: RawTable, r: number, c: number, s: string): Error {
  const line = raw.lines[r] as number;
  const name = raw.header[c] as string;
  return trainerError(
    TrainerErrorCodes.DATA_NOT_NUMERIC,
    `${raw.file}:${raw.lineKind === 'line' ? '' : 'row '}${line}: column ${c + 1} (${name}) has text ${JSON.stringify(s)} where a number is expected`,
    {
      file: raw.file,
      line,
      column: c + 1,
      columnName: name,
      value: s,
    },
  );
}

export function buildTable(raws: readonly RawTable[], kinds: ReadonlyMap<string, ColumnKind>): Table {
  const first = raws[0] as RawTable;
  const rowCount = raws.reduce((n, r) => n + r.rows.length, 0);
  const columns = first.header.map((name): Column => {
    const kind = kinds.get(name) ?? 'categorical';
    const cells: string[] = [];
    for (const raw of raws) {
      const c = raw.header.indexOf(name);
      for (const row of raw.rows) cells.push((row[c] as string).trim());
    }
    if (kind === 'categorical') return { kind, name, values: cells };
    const values = new Float64Array(rowCount);
    for (let i = 0; i < rowCount; i++) values[i] = cells[i] === '' ? NaN : Number(cells[i]);
    return { kind, name, values };
  });
  return { source: raws.map((r) => r.source).join(' + '), rowCount, columns, lines: raws.flatMap((r) => r.lines) };
}

/** One source with inferred types (for tools that need no spec). */
export function loadTable(source: ResolvedSource, overrides: Readonly<Record<string, ColumnKind>> = {}): Table {
  const raw = readSourceRaw(source);
  return buildTable([raw], inferKinds([raw], overrides));
}

/** Loads every source of a spec and checks the spec's column references against the data. */
export function loadSpecData(loaded: LoadedSpec): SpecData {
  const { spec, sources } = loaded;
  const raws = sources.map((s) => ({ role: s.role, raw: applyMissingCodes(readSourceRaw(s), spec, s.missing) }));
  const header = (raws[0] as { raw: RawTable }).raw.header;
  for (const { raw } of raws) {
    if (!raw.header.includes(spec.target.column)) {
      throw trainerError(
        TrainerErrorCodes.DATA_TARGET_MISSING,
        `${raw.file}: no target column "${spec.target.column}" (spec field target)`,
        {
          file: raw.file,
          line: 1,
          target: spec.target.column,
          header: raw.header,
        },
      );
    }
    const missing = header.find((h) => !raw.header.includes(h)) ?? raw.header.find((h) => !header.includes(h));
    if (missing !== undefined) {
      throw trainerError(
        TrainerErrorCodes.DATA_COLUMN_MISSING,
        `${raw.file}: column "${missing}" is not in every data source`,
        { file: raw.file, line: 1, columnName: missing },
      );
    }
  }
  checkSpecColumns(loaded, header);
  const filtered: FilteredRows[] = [];
  if (spec.row_filters.length > 0) {
    for (const r of raws) {
      const before = r.raw.rows.length;
      r.raw = filterRows(r.raw, spec.row_filters, spec.target.column);
      filtered.push({ source: r.raw.source, role: r.role, dropped: before - r.raw.rows.length });
    }
  }
  const kinds = inferKinds(
    raws.map((r) => r.raw),
    spec.types,
  );
  for (const { raw } of raws) assertTargetPresent(raw, spec.target.column);
  const byRole = (role: string): RawTable[] => raws.filter((r) => r.role === role).map((r) => r.raw);
  const data: SpecData = {
    train: buildTable(byRole('train'), kinds),
    extraTests: byRole('extra-test').map((r) => buildTable([r], kinds)),
    kinds,
    sources: raws.map(({ role, raw }) => ({ role, source: raw.source, sha256: raw.sha256, rows: raw.rows.length })),
    filtered,
  };
  const test = byRole('test');
  if (test.length > 0) data.test = buildTable(test, kinds);
  encodeTarget(data.train, spec); // fails early when the target does not fit the task
  return data;
}

function assertTargetPresent(raw: RawTable, target: string): void {
  const c = raw.header.indexOf(target);
  const r = raw.rows.findIndex((row) => (row[c] as string).trim() === '');
  if (r >= 0) {
    const line = raw.lines[r] as number;
    throw trainerError(TrainerErrorCodes.DATA_TARGET_EMPTY, `${raw.file}:${line}: no value for target ${target}`, {
      file: raw.file,
      line,
      column: c + 1,
      columnName: target,
    });
  }
}

export function column(table: Table, name: string): Column {
  const col = table.columns.find((c) => c.name === name);
  if (!col)
    throw trainerError(TrainerErrorCodes.DATA_COLUMN_MISSING, `${table.source}: no column "${name}"`, {
      file: table.source,
      columnName: name,
    });
  return col;
}

export interface EncodedTarget {
  values: Float64Array;
  /** Classification: the label of each class index (binary: [negative, positive]). */
  classes?: string[];
}

/**
 * Regression: the numeric target. Classification: class indices 0..k-1 in sorted label order;
 * binary puts `target.positive` (default: the larger label, e.g. 1 or 'yes') at index 1.
 */
export function encodeTarget(table: Table, spec: ProblemSpec, labels?: readonly string[]): EncodedTarget {
  const col = column(table, spec.target.column);
  const fail = (problem: string): Error =>
    trainerError(TrainerErrorCodes.DATA_TARGET_INVALID, `${table.source}: target ${col.name}: ${problem}`, {
      file: table.source,
      columnName: col.name,
      task: spec.task,
    });
  if (spec.task === 'regression') {
    if (col.kind !== 'numeric') throw fail('regression needs a numeric target');
    return { values: col.values };
  }
  const text = labelTexts(col);
  let classes = labels ? [...labels] : [...new Set(text)].sort(compareLabels);
  if (spec.task === 'binary' && !labels) {
    if (classes.length !== 2) throw fail(`binary needs exactly 2 classes, found ${classes.length}`);
    if (spec.target.positive !== undefined) {
      const pos = String(spec.target.positive);
      if (!classes.includes(pos))
        throw fail(`positive label ${JSON.stringify(pos)} is not one of ${classes.join(', ')}`);
      classes = [classes.find((c) => c !== pos) as string, pos];
    }
  }
  if (spec.task === 'multiclass' && !labels && classes.length < 2) throw fail('needs at least 2 classes');
  const index = new Map(classes.map((c, i) => [c, i]));
  const values = new Float64Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const k = index.get(text[i] as string);
    if (k === undefined) throw fail(`row ${i + 1} has label ${JSON.stringify(text[i])}, unseen in training`);
    values[i] = k;
  }
  return { values, classes };
}

function labelTexts(col: Column): string[] {
  return col.kind === 'numeric' ? Array.from(col.values, (v) => String(v)) : col.values;
}

function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : a < b ? -1 : a > b ? 1 : 0;
}

/** The feature column names the spec selects (default: every column but the target). */
export function specFeatureColumns(spec: ProblemSpec, columns: readonly string[]): string[] {
  const candidates = columns.filter((c) => c !== spec.target.column);
  const f = spec.features;
  if (!f) return candidates;
  if ('include' in f) return candidates.filter((c) => f.include.includes(c));
  return candidates.filter((c) => !f.exclude.includes(c));
}

export function takeColumn(col: Column, rows: readonly number[]): Column {
  if (col.kind === 'numeric')
    return { kind: 'numeric', name: col.name, values: Float64Array.from(rows, (r) => col.values[r] as number) };
  return {
    kind: 'categorical',
    name: col.name,
    values: rows.map((r) => col.values[r] as string),
  } satisfies CategoricalColumn;
}

/** The rows `rows` of `table` as a new table. */
export function takeTableRows(table: Table, rows: readonly number[]): Table {
  return {
    source: table.source,
    rowCount: rows.length,
    columns: table.columns.map((c) => takeColumn(c, rows)),
    lines: rows.map((r) => table.lines[r] as number),
  };
}
