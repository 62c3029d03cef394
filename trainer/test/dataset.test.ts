import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, isOutpostError, type OutpostError } from '@outpost/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDatasetFile, parseDataset, rawRecord } from '../src/data/dataset.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { tempDir } from './helpers.ts';

function thrown(fn: () => unknown): OutpostError {
  try {
    fn();
  } catch (err) {
    if (isOutpostError(err)) return err;
    throw err;
  }
  throw new Error('expected an OutpostError');
}

describe('CSV → dataset', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  const write = (name: string, text: string): string => {
    const path = join(tmp.dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('infers numeric and categorical columns, NaN / "" for missing', () => {
    const path = write('ok.csv', 'a,b,kind,y\n1,2.5,x,10\n,3,,20\n-4,1e3,y,30\n');
    const ds = loadDatasetFile(path, { target: 'y' });
    expect(ds.rowCount).toBe(3);
    expect(ds.features.map((c) => [c.name, c.kind])).toEqual([
      ['a', 'numeric'],
      ['b', 'numeric'],
      ['kind', 'categorical'],
    ]);
    const a = ds.features[0];
    expect(a?.kind === 'numeric' && Array.from(a.values)).toEqual([1, NaN, -4]);
    expect(ds.features[2]?.values).toEqual(['x', '', 'y']);
    expect(Array.from(ds.target.values)).toEqual([10, 20, 30]);
    expect(ds.lines).toEqual([2, 3, 4]);
    expect(rawRecord(ds, 1)).toEqual({ a: null, b: 3, kind: null });
  });

  it('names file, line and column for text in a numeric column', () => {
    const path = write('bad.csv', 'a,b,y\n1,2,3\n4,oops,6\n');
    const err = thrown(() => loadDatasetFile(path, { target: 'y', expectNumeric: ['a', 'b'] }));
    expect(err.code).toBe(TrainerErrorCodes.DATA_NOT_NUMERIC);
    expect(err.details).toMatchObject({ file: path, line: 3, column: 2, columnName: 'b', value: 'oops' });
  });

  it('treats text in the target as text in a numeric column', () => {
    const err = thrown(() => parseDataset('a,y\n1,2\n2,lots\n', 'mem.csv', { target: 'y' }));
    expect(err.code).toBe(TrainerErrorCodes.DATA_NOT_NUMERIC);
    expect(err.details).toMatchObject({ line: 3, column: 2 });
  });

  it('rejects a missing target column', () => {
    const path = write('nt.csv', 'a,b\n1,2\n');
    expect(thrown(() => loadDatasetFile(path, { target: 'y' })).code).toBe(TrainerErrorCodes.DATA_TARGET_MISSING);
  });

  it('rejects a missing expected column and an empty target cell', () => {
    expect(thrown(() => parseDataset('a,y\n1,2\n', 'm', { target: 'y', expectNumeric: ['b'] })).code).toBe(
      TrainerErrorCodes.DATA_COLUMN_MISSING,
    );
    const err = thrown(() => parseDataset('a,y\n1,2\n3,\n', 'm', { target: 'y' }));
    expect(err.code).toBe(TrainerErrorCodes.DATA_TARGET_EMPTY);
    expect(err.details).toMatchObject({ line: 3 });
  });

  it('rejects an empty file and a header-only file', () => {
    expect(thrown(() => loadDatasetFile(write('e.csv', ''), { target: 'y' })).code).toBe(TrainerErrorCodes.DATA_EMPTY);
    expect(thrown(() => loadDatasetFile(write('h.csv', 'a,y\n'), { target: 'y' })).code).toBe(
      TrainerErrorCodes.DATA_EMPTY,
    );
  });

  it('rejects an unreadable file and passes CSV syntax errors through', () => {
    expect(thrown(() => loadDatasetFile(join(tmp.dir, 'nope.csv'), { target: 'y' })).code).toBe(
      TrainerErrorCodes.DATA_UNREADABLE,
    );
    expect(thrown(() => parseDataset('a,y\n1,2,3\n', 'm', { target: 'y' })).code).toBe(ErrorCodes.CSV);
  });
});
