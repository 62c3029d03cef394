import { describe, expect, it } from 'vitest';
import type { Column } from '../src/data/dataset.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { designColumnNames, fitSpecPipeline, transform, transformRecords } from '../src/preprocess/spec-pipeline.ts';
import { all, cat, clean, design, feats, fit, num, records } from './spec-pipeline-fixtures.ts';

describe('spec pipeline: impute', () => {
  it('median, mean and mode of the training values', () => {
    const x = [num('x', [1, null, 3, 10])];
    expect(design(fit(x, clean({ op: 'impute', strategy: 'median' })), x).flat()).toEqual([1, 3, 3, 10]);
    expect(design(fit(x, clean({ op: 'impute', strategy: 'mean' })), x)[1]).toEqual([Math.fround(14 / 3)]);
    const m = [num('m', [5, 2, 5, 2, null, 7])];
    // A tie between 2 and 5 goes to the smaller value.
    expect(design(fit(m, clean({ op: 'impute', strategy: 'mode' })), m)[4]).toEqual([2]);
  });

  it('constant with a missing indicator', () => {
    const x = [num('x', [4, null, 6])];
    const p = fit(x, clean({ op: 'impute', strategy: 'constant', value: -1, indicator: true }));
    expect(designColumnNames(p)).toEqual(['x', 'x_missing']);
    expect(design(p, x)).toEqual([
      [4, 0],
      [-1, 1],
      [6, 0],
    ]);
  });

  it('categorical mode and constant (the fill becomes a category when training rows had it)', () => {
    const c = [cat('c', ['a', 'b', 'b', ''])];
    const mode = fit(c, clean({ op: 'impute', columns: ['c'], strategy: 'mode' }));
    expect(designColumnNames(mode)).toEqual(['c=a', 'c=b']);
    expect(design(mode, c)[3]).toEqual([0, 1]);
    const constant = fit(c, clean({ op: 'impute', strategy: 'constant', value: 'none', indicator: true }));
    expect(designColumnNames(constant)).toEqual(['c=a', 'c=b', 'c=none', 'c_missing']);
    expect(design(constant, c)).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 1],
    ]);
    expect(records(constant, [{ c: null }, { c: 'zzz' }])).toEqual([
      [0, 0, 1, 1],
      [0, 0, 0, 0],
    ]);
  });

  it('median-imputes a numeric input the spec left out, since a device may send null', () => {
    const p = fit([num('x', [1, 2, 30])]);
    expect(records(p, [{ x: null }, {}, { x: 'text' }, { x: Infinity }, { x: 7 }]).flat()).toEqual([2, 2, 2, 2, 7]);
  });

  it('rejects a strategy that does not suit the column', () => {
    const code = expect.objectContaining({ code: TrainerErrorCodes.PREPROCESS_STEP_INVALID });
    expect(() => fit([cat('c', ['a'])], clean({ op: 'impute', columns: ['c'], strategy: 'median' }))).toThrow(code);
    expect(() => fit([num('x', [1])], clean({ op: 'impute', strategy: 'constant' }))).toThrow(code);
    expect(() => fit([num('x', [1])], clean({ op: 'impute', columns: ['y'], strategy: 'mean' }))).toThrow(code);
  });
});

describe('spec pipeline: clip, capped', () => {
  it('clips to training quantiles after imputation, and to fixed bounds', () => {
    const x = [num('x', [...all(101), null])];
    const p = fit(x, clean({ op: 'clip', columns: ['x'], quantiles: [0.1, 0.9] }));
    // Quantiles of the imputed column: 0..100 plus the median 50 → 10.1 and 89.9 (as float32).
    const [lo, hi] = [Math.fround(10.1), Math.fround(89.9)];
    expect(p.steps.find((s) => s.op === 'clip')).toMatchObject({ lo, hi });
    expect(records(p, [{ x: -5 }, { x: 95 }, { x: 50.5 }, { x: null }]).flat()).toEqual([lo, hi, 50.5, 50]);
    const fixed = fit(x, clean({ op: 'clip', columns: ['x'], bounds: [0, 1] }));
    expect(records(fixed, [{ x: -5 }, { x: 0.25 }, { x: 2 }]).flat()).toEqual([0, 0.25, 1]);
  });

  it("flags a feature's capped values (raw value ≥ the training maximum)", () => {
    const x = [num('x', [1, 5, 5, null])];
    const p = fit(x, clean({ op: 'capped', column: 'x', action: 'flag' }));
    expect(designColumnNames(p)).toEqual(['x', 'x_capped']);
    expect(design(p, x)).toEqual([
      [1, 0],
      [5, 1],
      [5, 1],
      [5, 0],
    ]);
  });
});

describe('spec pipeline: engineered features', () => {
  it('ratio falls back to the training median ratio where the denominator is 0', () => {
    const cols = [num('n', [2, 6, 5, 8]), num('d', [1, 2, 0, 2])];
    const p = fit(cols, [], feats({ op: 'ratio', name: 'r', numerator: 'n', denominator: 'd' }));
    expect(designColumnNames(p)).toEqual(['n', 'd', 'r']);
    expect(design(p, cols).map((r) => r[2])).toEqual([2, 3, 3, 4]);
    expect(
      records(p, [
        { n: 0, d: 0 },
        { n: 1, d: 4 },
      ]).map((r) => r[2]),
    ).toEqual([3, 0.25]);
  });

  it('log(x + offset), raising arguments ≤ 0 to a small epsilon', () => {
    const x = [num('x', [0, Math.E - 1, -1, -5, 99])];
    const [a, b, c, d, e] = design(fit(x, [], feats({ op: 'log', columns: ['x'] })), x).flat() as number[];
    expect(a).toBe(0);
    expect(b).toBeCloseTo(1, 6);
    expect(c).toBeCloseTo(Math.log(1e-6), 4);
    expect(d).toBe(c);
    expect(e).toBeCloseTo(Math.log(100), 6);
    const x10 = [num('x', [10])];
    expect(design(fit(x10, [], feats({ op: 'log', columns: ['x'], offset: 0 })), x10)[0]?.[0]).toBeCloseTo(
      Math.log(10),
      6,
    );
  });

  it('bins on fixed edges and on training quantiles (edges count as ≤)', () => {
    const x = [num('x', [-1, 0, 5, 10, 11])];
    const fixed = fit(x, [], feats({ op: 'bin', column: 'x', edges: [10, 0] }));
    expect(design(fixed, x).map((r) => r[1])).toEqual([0, 1, 1, 2, 2]);
    const q = [num('q', [8, 7, 6, 5, 4, 3, 2, 1])];
    const quant = fit(q, [], feats({ op: 'bin', column: 'q', bins: 4 }));
    expect(designColumnNames(quant)).toEqual(['q', 'q_bin']);
    expect(quant.steps.find((s) => s.op === 'bin')).toMatchObject({ edges: [2.75, 4.5, 6.25] });
    expect(design(quant, q).map((r) => r[1])).toEqual([3, 3, 2, 2, 1, 1, 0, 0]);
  });

  it('rotates coordinates', () => {
    const cols = [num('x', [1, 2]), num('y', [1, 3])];
    const p = fit(
      cols,
      [],
      feats(
        { op: 'rotate', name: 'r45', x: 'x', y: 'y', degrees: 45 },
        { op: 'rotate', name: 'r90', x: 'x', y: 'y', degrees: 90 },
      ),
    );
    const m = design(p, cols);
    expect(m[0]?.[2]).toBeCloseTo(Math.SQRT2, 6);
    expect(m[1]?.[2]).toBeCloseTo(5 / Math.SQRT2, 6);
    expect(m.map((r) => r[3])).toEqual([1, 3]);
  });
});

describe('spec pipeline: encodings and scaling', () => {
  it('one-hot from sorted training categories; unseen and missing → all zeros', () => {
    const c = [cat('c', ['b', 'a', 'b'])];
    const p = fit(c, [], feats({ op: 'onehot' }));
    expect(designColumnNames(p)).toEqual(['c=a', 'c=b']);
    expect(records(p, [{ c: 'a' }, { c: 'z' }, { c: null }, { c: 'b' }])).toEqual([
      [1, 0],
      [0, 0],
      [0, 0],
      [0, 1],
    ]);
  });

  it('ordinal codes; unseen and missing → −1; the column keeps its place', () => {
    const cols = [num('x', [1, 2, 3]), cat('g', ['low', 'high', 'mid']), num('y', [0, 0, 0])];
    const p = fit(cols, [], feats({ op: 'ordinal', column: 'g', order: ['low', 'mid', 'high'] }));
    expect(designColumnNames(p)).toEqual(['x', 'g', 'y']);
    expect(records(p, [{ g: 'low' }, { g: 'high' }, { g: 'huge' }, { g: null }]).map((r) => r[1])).toEqual([
      0, 2, -1, -1,
    ]);
  });

  it('standard scaling with training mean and population std; std 0 → 1', () => {
    const cols = [num('x', [1, 2, 3, 4]), num('k', [7, 7, 7, 7])];
    const p = fit(cols, [], feats({ op: 'scale', method: 'standard' }));
    const sd = Math.sqrt(1.25);
    const m = design(p, cols);
    m.forEach((r, i) => {
      expect(r[0]).toBeCloseTo((i + 1 - 2.5) / sd, 6);
      expect(r[1]).toBe(0);
    });
    expect(design(fit(cols, [], feats({ op: 'scale', method: 'none' })), cols)[0]).toEqual([1, 7]);
  });

  it('rejects encodings of the wrong column kind', () => {
    const code = expect.objectContaining({ code: TrainerErrorCodes.PREPROCESS_STEP_INVALID });
    expect(() => fit([num('x', [1])], [], feats({ op: 'onehot', columns: ['x'] }))).toThrow(code);
    expect(() => fit([num('x', [1])], [], feats({ op: 'ratio', name: 'x', numerator: 'x', denominator: 'x' }))).toThrow(
      code,
    );
  });
});

describe('spec pipeline: training rows only', () => {
  const make = (wild: boolean): Column[] => [
    num('a', [1, null, 3, 4, 5, 6, 7, 8, wild ? 1e9 : 2, null]),
    num('b', [0, 1, 2, 0, 3, 4, 5, 6, wild ? -1e9 : 1, 2]),
    cat('c', ['x', 'y', '', 'y', 'x', 'z', 'y', 'x', wild ? 'never-seen' : 'x', 'y']),
    cat('g', ['lo', 'hi', 'lo', '', 'hi', 'lo', 'hi', 'lo', wild ? '' : 'lo', 'hi']),
  ];
  const cleaning = clean(
    { op: 'impute', columns: ['a'], strategy: 'mean', indicator: true },
    { op: 'impute', columns: ['c'], strategy: 'mode' },
    { op: 'clip', columns: ['b'], quantiles: [0.1, 0.9] },
    { op: 'capped', column: 'b', action: 'flag' },
  );
  const features = feats(
    { op: 'ratio', name: 'ab', numerator: 'a', denominator: 'b' },
    { op: 'log', columns: ['a'] },
    { op: 'bin', column: 'b', bins: 3 },
    { op: 'rotate', name: 'rot', x: 'a', y: 'b', degrees: 30 },
    { op: 'cluster_similarity', name: 'cs', columns: ['a', 'rot'], k: 2, gamma: 0.1 },
    { op: 'ordinal', column: 'g', order: ['lo', 'hi'] },
    { op: 'scale', method: 'standard' },
  );
  const rows = [0, 1, 2, 3, 4, 5, 6, 7, 9];

  it('a non-training row changed drastically leaves the fitted pipeline unchanged', () => {
    const a = fitSpecPipeline({ columns: make(false), rows, cleaning, features });
    const b = fitSpecPipeline({ columns: make(true), rows, cleaning, features });
    expect(JSON.stringify(b.pipeline)).toBe(JSON.stringify(a.pipeline));
    expect(designColumnNames(a.pipeline)).toEqual([
      'a',
      'b',
      'c=x',
      'c=y',
      'c=z',
      'g',
      'b_capped',
      'a_missing',
      'ab',
      'b_bin',
      'rot',
      'cs_0',
      'cs_1',
    ]);
    // What a run folder keeps (pipeline.json) is the pipeline: read back, it designs every row the same.
    const saved = JSON.parse(JSON.stringify(a.pipeline)) as typeof a.pipeline;
    const all10 = Array.from({ length: 10 }, (_, i) => i);
    expect(Array.from(transform(saved, make(true), all10).data)).toEqual(
      Array.from(transform(a.pipeline, make(true), all10).data),
    );
  });

  it('transform and transformRecords agree, and the matrix has no NaN', () => {
    const columns = make(true);
    const { pipeline } = fitSpecPipeline({ columns, rows, cleaning, features });
    const recs = all(10).map((r) =>
      Object.fromEntries(
        columns.map((c) => {
          const v = c.values[r] as number | string;
          return [c.name, v === '' || Number.isNaN(v) ? null : v];
        }),
      ),
    );
    const m = transform(pipeline, columns, all(10));
    expect(Array.from(transformRecords(pipeline, recs).data)).toEqual(Array.from(m.data));
    expect(m.cols).toBe(designColumnNames(pipeline).length);
    expect(m.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('drop_duplicates and capped drop act on training rows only, at fit time', () => {
    const columns = [num('x', [1, 1, 2, 1, 3, 3]), cat('c', ['a', 'a', 'b', 'a', 'c', 'c'])];
    const target = num('y', [10, 10, 20, 10, 500, 99]);
    const fitted = fitSpecPipeline({
      columns,
      target,
      rows: [0, 1, 2, 4, 5],
      cleaning: clean(
        { op: 'drop_duplicates' },
        { op: 'capped', column: 'y', action: 'drop' },
        { op: 'capped', column: 'y', action: 'flag', value: 20 },
      ),
    });
    // Row 3 duplicates row 0 but is not a training row; 4 and 5 differ in the target.
    expect(fitted.dropped).toEqual({ duplicates: [1], capped: [4] });
    expect(fitted.trainRows).toEqual([0, 2, 5]);
    expect(fitted.targetFlags).toEqual([{ column: 'y', cap: 20, rows: [2, 5] }]);
    // Dropped rows are still transformed like any other row.
    expect(transform(fitted.pipeline, columns, [3, 4]).rows).toBe(2);
  });

  it('is deterministic', () => {
    const once = (): string => JSON.stringify(fitSpecPipeline({ columns: make(false), rows, cleaning, features }));
    expect(once()).toBe(once());
  });
});
