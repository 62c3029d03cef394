/**
 * The locked test set. The split hands training code a table holding only the
 * train and validation rows; the test rows live inside an opaque `LockedTestSet` whose rows only
 * `openTestSet` can read, and it records every opening in the test ledger. On disk the rows are
 * written aside as `<runDir>/test-set.csv` with their sha256 in `<runDir>/test-set.json`; a changed
 * byte is caught when the set is read back.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '@outpost/protocol';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import { buildTable, takeTableRows, type ColumnKind, type SpecData, type Table } from './load.ts';
import { repeatWarning, type LedgerEntry, type TestLedger } from './ledger.ts';
import { splitThreeWay } from './split3.ts';

const sealed = new WeakMap<LockedTestSet, { table: Table; csv: string }>();

export class LockedTestSet {
  readonly name: string;
  readonly sha256: string;
  readonly rowCount: number;

  /** Use `lockTestSet`; the rows are kept out of reach of everything but `openTestSet`. */
  private constructor(name: string, table: Table, csv: string) {
    this.name = name;
    this.rowCount = table.rowCount;
    this.sha256 = sha256(csv);
    sealed.set(this, { table, csv });
  }

  static seal(name: string, table: Table): LockedTestSet {
    return new LockedTestSet(name, table, tableCsv(table));
  }

  toJSON(): { name: string; sha256: string; rowCount: number } {
    return { name: this.name, sha256: this.sha256, rowCount: this.rowCount };
  }
}

export function lockTestSet(name: string, table: Table, rows?: readonly number[]): LockedTestSet {
  return LockedTestSet.seal(name, rows ? takeTableRows(table, rows) : table);
}

export interface SplitResult {
  /** The train and validation rows only: the test rows are not in it. */
  table: Table;
  /** Row indices into `table`. */
  train: number[];
  validation: number[];
  test: LockedTestSet;
  /** Further held-out sets (occupancy's datatest.csv), locked the same way. */
  extraTests: LockedTestSet[];
}

/** Splits the spec's data and locks the test rows (the 'test' source, or the rows the split sets aside). */
export function splitAndLock(data: SpecData, spec: ProblemSpec): SplitResult {
  const s = splitThreeWay(data.train, spec.split, spec.seed, { testFromSource: data.test !== undefined });
  const kept = [...s.train, ...s.validation].sort((a, b) => a - b);
  const position = new Map(kept.map((r, i) => [r, i]));
  const test = data.test ? LockedTestSet.seal('test', data.test) : lockTestSet('test', data.train, s.test);
  return {
    table: takeTableRows(data.train, kept),
    train: s.train.map((r) => position.get(r) as number),
    validation: s.validation.map((r) => position.get(r) as number),
    test,
    extraTests: data.extraTests.map((t, i) => LockedTestSet.seal(`extra-test-${i + 1}`, t)),
  };
}

export const TEST_SET_JSON = 'test-set.json';

interface TestSetFile {
  version: 1;
  sets: { name: string; file: string; sha256: string; rows: number; columns: { name: string; kind: ColumnKind }[] }[];
}

function csvFileName(name: string): string {
  return name === 'test' ? 'test-set.csv' : `${name}.csv`;
}

/** Writes each set's rows and the manifest with their hashes into the run folder. */
export function writeLockedTestSets(runDir: string, sets: readonly LockedTestSet[]): void {
  mkdirSync(runDir, { recursive: true });
  const manifest: TestSetFile = { version: 1, sets: [] };
  for (const set of sets) {
    const { table, csv } = sealed.get(set) as { table: Table; csv: string };
    const file = csvFileName(set.name);
    writeFileSync(join(runDir, file), csv);
    manifest.sets.push({
      name: set.name,
      file,
      sha256: set.sha256,
      rows: set.rowCount,
      columns: table.columns.map((c) => ({ name: c.name, kind: c.kind })),
    });
  }
  writeFileSync(join(runDir, TEST_SET_JSON), JSON.stringify(manifest, null, 2) + '\n');
}

/** Reads the locked sets back, checking every file against its recorded sha256. */
export function readLockedTestSets(runDir: string): LockedTestSet[] {
  const path = join(runDir, TEST_SET_JSON);
  if (!existsSync(path))
    throw trainerError(TrainerErrorCodes.TEST_SET_MISSING, `${runDir}: no locked test set (${TEST_SET_JSON})`, {
      file: path,
    });
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as TestSetFile;
  return manifest.sets.map((s) => {
    const file = join(runDir, s.file);
    if (!existsSync(file))
      throw trainerError(TrainerErrorCodes.TEST_SET_MISSING, `${file}: locked test rows are missing`, { file });
    const text = readFileSync(file, 'utf8');
    if (sha256(text) !== s.sha256) {
      throw trainerError(
        TrainerErrorCodes.TEST_SET_TAMPERED,
        `${file}: sha256 differs from the one recorded when the test set was locked`,
        { file, expected: s.sha256, actual: sha256(text) },
      );
    }
    const t = parseCsv(text, file);
    const kinds = new Map(s.columns.map((c) => [c.name, c.kind]));
    const table = buildTable(
      [{ source: file, file, header: t.header, rows: t.rows, lines: t.lines, lineKind: 'line', sha256: s.sha256 }],
      kinds,
    );
    return LockedTestSet.seal(s.name, table);
  });
}

export interface TestEvaluation {
  metric: string;
  value: number;
  ci?: [number, number];
}

export interface OpenedTestSet {
  entry: LedgerEntry;
  /** A clear warning when this test set was evaluated before (the entry has `repeat: true`). */
  warning?: string;
}

/**
 * The only way to the test rows: records the evaluation in the ledger (a failed evaluation too —
 * the rows were seen) and returns the entry, with a warning when it is a repeat.
 */
export async function openTestSet(
  ledger: TestLedger,
  set: LockedTestSet,
  meta: { run: string; model: string },
  evaluate: (rows: Table) => TestEvaluation | Promise<TestEvaluation>,
): Promise<OpenedTestSet> {
  const { table } = sealed.get(set) as { table: Table };
  const base = { run: meta.run, model: meta.model, testSet: set.name, testSetHash: set.sha256 };
  let result: TestEvaluation;
  try {
    result = await evaluate(table);
  } catch (err) {
    ledger.append({ ...base, metric: 'unknown', value: null, error: (err as Error).message });
    throw err;
  }
  const entry = ledger.append({
    ...base,
    metric: result.metric,
    value: result.value,
    ...(result.ci ? { ci: result.ci } : {}),
  });
  const warning = repeatWarning(entry, ledger.evaluationsOf(set.sha256));
  return warning ? { entry, warning } : { entry };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Canonical CSV of a table: header, then rows; numbers as JavaScript prints them, missing as ''. */
export function tableCsv(table: Table): string {
  const lines = [table.columns.map((c) => csvCell(c.name)).join(',')];
  for (let r = 0; r < table.rowCount; r++) {
    lines.push(
      table.columns
        .map((c) => {
          if (c.kind === 'categorical') return csvCell(c.values[r] as string);
          const v = c.values[r] as number;
          return Number.isNaN(v) ? '' : String(v);
        })
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
