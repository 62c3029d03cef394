import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCodes, isOutpostError } from '@outpost/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { encodeTarget, specFeatureColumns, loadSpecData, loadTable, type Table } from '../src/data/load.ts';
import { parseSpec, type ResolvedSource } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';

const CSV = 'id,size,colour,code,price\n1,10,red,007,100\n2,,blue,008,200\n3,30,red,009,300\n';

function caught(fn: () => unknown): { code: string; details: Record<string, unknown>; message: string } {
  try {
    fn();
  } catch (err) {
    if (!isOutpostError(err)) throw err;
    return { code: err.code, details: err.details as Record<string, unknown>, message: err.message };
  }
  throw new Error('expected an error');
}

function col(t: Table, name: string): Table['columns'][number] {
  return t.columns.find((c) => c.name === name) as Table['columns'][number];
}

describe('spec-driven data loading', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  const write = (name: string, text: string): string => {
    const p = join(tmp.dir, name);
    writeFileSync(p, text);
    return p;
  };
  const spec = (extra = '', data = '[{ csv: data.csv }]'): ReturnType<typeof parseSpec> =>
    parseSpec(
      `name: t\nobjective: o\ntask: regression\ndata: ${data}\ntarget: price\nmetric: rmse\n${extra}`,
      join(tmp.dir, 'problem.yaml'),
      tmp.dir,
    );

  it('infers numeric and categorical columns, with overrides', () => {
    write('data.csv', CSV);
    const d = loadSpecData(spec('types: { code: categorical }\n'));
    expect(d.train.rowCount).toBe(3);
    expect(col(d.train, 'size')).toEqual({ kind: 'numeric', name: 'size', values: Float64Array.from([10, NaN, 30]) });
    expect(col(d.train, 'colour')).toEqual({ kind: 'categorical', name: 'colour', values: ['red', 'blue', 'red'] });
    // Leading zeros survive when the spec says the code is a category.
    expect(col(d.train, 'code')).toEqual({ kind: 'categorical', name: 'code', values: ['007', '008', '009'] });
    expect(d.train.lines).toEqual([2, 3, 4]);
    expect(d.sources[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails on text in a column the spec says is numeric, naming file, line and column', () => {
    const file = write('data.csv', CSV);
    const e = caught(() => loadSpecData(spec('types: { colour: numeric }\n')));
    expect(e.code).toBe(TrainerErrorCodes.DATA_NOT_NUMERIC);
    expect(e.details).toMatchObject({ file, line: 2, column: 3, columnName: 'colour' });
  });

  it('fails on a ragged row, an empty file, a header without rows, a missing or empty target', () => {
    const file = write('data.csv', 'a,price\n1,2\n3\n');
    const ragged = caught(() => loadSpecData(spec()));
    expect(ragged.code).toBe(ErrorCodes.CSV);
    expect(ragged.details).toMatchObject({ source: file, line: 3, column: 2 });
    write('data.csv', '');
    expect(caught(() => loadSpecData(spec())).code).toBe(TrainerErrorCodes.DATA_EMPTY);
    write('data.csv', 'a,price\n');
    expect(caught(() => loadSpecData(spec())).code).toBe(TrainerErrorCodes.DATA_EMPTY);
    write('data.csv', 'a,b\n1,2\n');
    const noTarget = caught(() => loadSpecData(spec()));
    expect(noTarget.code).toBe(TrainerErrorCodes.DATA_TARGET_MISSING);
    expect(noTarget.details).toMatchObject({ file, target: 'price' });
    write('data.csv', 'a,price\n1,2\n3,\n');
    expect(caught(() => loadSpecData(spec())).details).toMatchObject({ file, line: 3, columnName: 'price' });
    expect(caught(() => loadSpecData(spec('', '[{ csv: nope.csv }]'))).code).toBe(TrainerErrorCodes.DATA_UNREADABLE);
  });

  it('reports spec columns the data does not have, naming the spec field', () => {
    write('data.csv', CSV);
    const e = caught(() =>
      loadSpecData(spec('feature_steps:\n  - { op: ratio, name: r, numerator: size, denominator: rooms }\n')),
    );
    expect(e.code).toBe(TrainerErrorCodes.SPEC_COLUMN_UNKNOWN);
    expect(e.details).toMatchObject({ field: 'feature_steps[0].denominator', columnName: 'rooms' });
    // A later step may use a column an earlier step made.
    expect(() =>
      loadSpecData(
        spec(
          'feature_steps:\n  - { op: ratio, name: r, numerator: size, denominator: id }\n  - { op: log, columns: [r] }\n',
        ),
      ),
    ).not.toThrow();
    expect(caught(() => loadSpecData(spec('features: { include: [size, weight] }\n'))).details).toMatchObject({
      field: 'features.include[1]',
      columnName: 'weight',
    });
    expect(caught(() => loadSpecData(spec('split: { method: time, column: when }\n'))).details).toMatchObject({
      field: 'split.column',
    });
    expect(
      caught(() => loadSpecData(spec('cleaning:\n  - { op: capped, column: cost, action: flag }\n'))).details,
    ).toMatchObject({ field: 'cleaning[0].column' });
  });

  it('reads a SQLite table or query into the same table as the CSV', () => {
    const csvPath = write('data.csv', CSV);
    const dbPath = join(tmp.dir, 'data.db');
    const db = new Database(dbPath);
    db.exec('CREATE TABLE sales (id INTEGER, size REAL, colour TEXT, code TEXT, price REAL)');
    const ins = db.prepare('INSERT INTO sales VALUES (?, ?, ?, ?, ?)');
    ins.run(1, 10, 'red', '007', 100);
    ins.run(2, null, 'blue', '008', 200);
    ins.run(3, 30, 'red', '009', 300);
    db.close();
    const fromCsv = loadTable({ csv: 'data.csv', role: 'train', path: csvPath }, { code: 'categorical' });
    const src: ResolvedSource = { sqlite: 'data.db', table: 'sales', role: 'train', path: dbPath };
    const fromTable = loadTable(src, { code: 'categorical' });
    expect(fromTable.columns).toEqual(fromCsv.columns);
    const fromQuery = loadTable({
      ...src,
      table: undefined,
      query: 'SELECT id, price FROM sales WHERE price > 150 ORDER BY id',
    });
    expect(fromQuery.columns.map((c) => c.name)).toEqual(['id', 'price']);
    expect(Array.from(fromQuery.columns[1]?.values as Float64Array)).toEqual([200, 300]);
    expect(fromQuery.lines).toEqual([1, 2]);
    const bad = caught(() => loadTable({ ...src, table: 'nosuch' }));
    expect(bad.code).toBe(TrainerErrorCodes.DATA_SQLITE);
    expect(bad.details).toMatchObject({ file: dbPath });
    expect(caught(() => loadTable({ ...src, path: join(tmp.dir, 'missing.db') })).code).toBe(
      TrainerErrorCodes.DATA_UNREADABLE,
    );
    const viaSpec = loadSpecData(spec('types: { code: categorical }\n', '[{ sqlite: data.db, table: sales }]'));
    expect(viaSpec.train.columns).toEqual(fromCsv.columns);
  });

  it('encodes classification targets with the positive label at index 1', () => {
    write('data.csv', 'x,late\n1,no\n2,yes\n3,no\n');
    const cls = (extra: string): ReturnType<typeof parseSpec> =>
      parseSpec(
        `name: t\nobjective: o\ntask: binary\ndata: [{ csv: data.csv }]\ntarget: ${extra}\nmetric: f1\n`,
        join(tmp.dir, 'p.yaml'),
        tmp.dir,
      );
    const d = loadSpecData(cls('late'));
    expect(encodeTarget(d.train, cls('late').spec)).toEqual({
      values: Float64Array.from([0, 1, 0]),
      classes: ['no', 'yes'],
    });
    expect(encodeTarget(d.train, cls('{ column: late, positive: "no" }').spec)).toEqual({
      values: Float64Array.from([1, 0, 1]),
      classes: ['yes', 'no'],
    });
    expect(caught(() => loadSpecData(cls('{ column: late, positive: maybe }'))).code).toBe(
      TrainerErrorCodes.DATA_TARGET_INVALID,
    );
    write('data.csv', 'x,late\n1,no\n2,yes\n3,perhaps\n');
    expect(caught(() => loadSpecData(cls('late'))).code).toBe(TrainerErrorCodes.DATA_TARGET_INVALID);
    expect(specFeatureColumns(cls('late').spec, ['x', 'late'])).toEqual(['x']);
  });

  it('types every source alike and keeps test sources apart', () => {
    write('a.csv', 'x,price\n1,10\n2,20\n');
    write('b.csv', 'x,price\nbig,30\n');
    write('c.csv', 'price,x\n40,3\n');
    const d = loadSpecData(spec('', '[{ csv: a.csv }, { csv: b.csv, role: test }, { csv: c.csv, role: extra-test }]'));
    expect(col(d.train, 'x')).toEqual({ kind: 'categorical', name: 'x', values: ['1', '2'] });
    expect(d.test?.rowCount).toBe(1);
    expect(d.extraTests[0]?.columns.map((c) => c.name)).toEqual(['price', 'x']);
    write('c.csv', 'price,y\n40,3\n');
    expect(caught(() => loadSpecData(spec('', '[{ csv: a.csv }, { csv: c.csv, role: test }]'))).code).toBe(
      TrainerErrorCodes.DATA_COLUMN_MISSING,
    );
  });
});
