import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { column, loadSpecData } from '../src/data/load.ts';
import { splitThreeWay } from '../src/data/split3.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { exploreSpec } from '../src/explore/explore-spec.ts';
import { fitSpecPipeline } from '../src/preprocess/spec-pipeline.ts';
import { loadSpec, parseSpec } from '../src/spec/load-spec.ts';
import { codeOf, tempDir } from './helpers.ts';
import { all, clean, num } from './spec-pipeline-fixtures.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/air-quality/', import.meta.url));

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

function specIn(dir: string, lines: string[], csv: Record<string, string>): string {
  for (const [name, text] of Object.entries(csv)) writeFileSync(join(dir, name), text);
  const file = join(dir, 'problem.yaml');
  writeFileSync(
    file,
    ['name: t', 'objective: o', 'task: regression', 'target: y', 'metric: rmse', ...lines, ''].join('\n'),
  );
  return file;
}

const values = (v: Float64Array): (number | null)[] => Array.from(v, (x) => (Number.isNaN(x) ? null : x));

describe('missing-value codes', () => {
  it('a file-wide code reads -200 (and -200.0) as missing in every column; NA keeps a column numeric', () => {
    const spec = specIn(tmp.dir, ['data: [{ csv: d.csv, missing: ["NA"] }]', 'missing: [-200]'], {
      'd.csv': 'a,b,y\n1,-200,3\n-200.0,NA,4\n2, 5 ,6\n',
    });
    const data = loadSpecData(loadSpec(spec));
    expect(data.kinds.get('b')).toBe('numeric');
    const col = (n: string): (number | null)[] => values(column(data.train, n).values as Float64Array);
    expect(col('a')).toEqual([1, null, 2]);
    expect(col('b')).toEqual([null, null, 5]);
    // A target coded missing is refused, naming its line, unless a row filter drops the row.
    writeFileSync(join(tmp.dir, 'd.csv'), 'a,b,y\n1,2,3\n4,5,-200\n');
    expect(() => loadSpecData(loadSpec(spec))).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.DATA_TARGET_EMPTY,
        details: expect.objectContaining({ line: 3 }),
      }),
    );
  });

  it('per-column codes touch only their columns; a code for an unknown column is a spec error', () => {
    const spec = specIn(tmp.dir, ['data: [{ csv: d.csv }]', 'missing: { a: [-200] }'], {
      'd.csv': 'a,b,y\n-200,-200,3\n1,2,4\n',
    });
    const data = loadSpecData(loadSpec(spec));
    expect(values(column(data.train, 'a').values as Float64Array)).toEqual([null, 1]);
    expect(values(column(data.train, 'b').values as Float64Array)).toEqual([-200, 2]);
    const bad = specIn(tmp.dir, ['data: [{ csv: d.csv }]', 'missing: { nope: [-200] }'], {});
    expect(codeOf(() => loadSpecData(loadSpec(bad)))).toBe(TrainerErrorCodes.SPEC_COLUMN_UNKNOWN);
  });

  it('explore counts the codes as missing: the all-(-200) outage rows raise no false leak warnings', () => {
    const withCodes = exploreSpec(join(FIXTURE, 'problem.yaml')).summary;
    const t = withCodes.columns.find((c) => c.name === 'T');
    expect(t?.missing).toBeGreaterThan(0);
    expect(t?.min).toBeGreaterThan(0);
    expect(withCodes.warnings.filter((w) => w.kind === 'leak-feature')).toEqual([]);
    // The same data with -200 read as a value: the outage rows make T and RH look like leaks.
    const raw = readFileSync(join(FIXTURE, 'problem.yaml'), 'utf8')
      .replace(/^missing: .*$/m, '')
      .replace(/^row_filters:\n(  - .*\n)+/m, '');
    const noCodes = join(tmp.dir, 'problem.yaml');
    writeFileSync(noCodes, raw.replace('csv: air-quality.csv', `csv: ${join(FIXTURE, 'air-quality.csv')}`));
    const leaks = exploreSpec(noCodes)
      .summary.warnings.filter((w) => w.kind === 'leak-feature')
      .map((w) => w.column);
    expect(leaks.sort()).toEqual(['RH', 'T']);
  });
});

describe('row filters apply to every source and split alike', () => {
  it('drop_missing (default: the target) drops the rows in train and in the test source; keep_range too', () => {
    const spec = specIn(
      tmp.dir,
      [
        'data: [{ csv: train.csv }, { csv: test.csv, role: test }]',
        'missing: [-200]',
        'row_filters:',
        '  - op: drop_missing',
        '  - { op: keep_range, column: a, min: 0, max: 10 }',
      ],
      {
        'train.csv': 'a,y\n1,1\n2,-200\n3,3\n50,4\n,5\n6,6\n',
        'test.csv': 'a,y\n1,-200\n2,2\n-3,3\n',
      },
    );
    const data = loadSpecData(loadSpec(spec));
    expect(data.train.lines).toEqual([2, 4, 6, 7]); // the row with no a is kept: keep_range leaves missing alone
    expect(data.test?.lines).toEqual([3]);
    expect(data.filtered).toEqual([
      expect.objectContaining({ role: 'train', dropped: 2 }),
      expect.objectContaining({ role: 'test', dropped: 2 }),
    ]);
    // Every row of every split has its target.
    const s = splitThreeWay(data.train, loadSpec(spec).spec.split, 1, { testFromSource: true });
    for (const part of [s.train, s.validation])
      for (const r of part) expect(Number.isNaN(column(data.train, 'y').values[r] as number)).toBe(false);
  });

  it('a filter that leaves a source no rows is a coded error; the spec checks its columns', () => {
    const empty = specIn(
      tmp.dir,
      ['data: [{ csv: d.csv }]', 'row_filters: [{ op: keep_range, column: a, min: 100 }]'],
      {
        'd.csv': 'a,y\n1,1\n2,2\n',
      },
    );
    expect(codeOf(() => loadSpecData(loadSpec(empty)))).toBe(TrainerErrorCodes.DATA_EMPTY);
    const unknown = specIn(
      tmp.dir,
      ['data: [{ csv: d.csv }]', 'row_filters: [{ op: drop_missing, columns: [zz] }]'],
      {},
    );
    expect(codeOf(() => loadSpecData(loadSpec(unknown)))).toBe(TrainerErrorCodes.SPEC_COLUMN_UNKNOWN);
    expect(
      codeOf(() =>
        parseSpec(
          'name: t\nobjective: o\ntask: regression\ndata: [{csv: d.csv}]\ntarget: y\nmetric: rmse\nrow_filters: [{ op: keep_range, column: a }]\n',
          'p.yaml',
          tmp.dir,
        ),
      ),
    ).toBe(TrainerErrorCodes.SPEC_INVALID);
  });

  it('capped with action drop refuses a "cap" below most of the data instead of dropping every row', () => {
    const x = num('x', [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
    const y = num('y', [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
    const fit = (step: unknown): number[] =>
      fitSpecPipeline({ columns: [x], rows: all(10), cleaning: clean(step), target: y }).trainRows;
    expect(codeOf(() => fit({ op: 'capped', column: 'y', action: 'drop', value: -200 }))).toBe(
      TrainerErrorCodes.PREPROCESS_STEP_INVALID,
    );
    expect(fit({ op: 'capped', column: 'y', action: 'drop' })).toEqual(all(8)); // the spike at 9 only
  });
});
