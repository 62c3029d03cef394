import { describe, expect, it } from 'vitest';
import { column, encodeTarget, specFeatureColumns, loadSpecData } from '../src/data/load.ts';
import { splitAndLock } from '../src/data/locked-test.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { candidatesFor } from '../src/run/candidates.ts';
import { crossValidate, fitDesign, foldDesigns, kFolds, type RunData } from '../src/run/cv.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { quantileSorted } from '../src/stats.ts';
import { tempDir } from './helpers.ts';
import { regressionFixture } from './run-fixtures.ts';

function runData(dir: string): { data: RunData; train: number[] } {
  const loaded = loadSpec(regressionFixture(dir).spec);
  const split = splitAndLock(loadSpecData(loaded), loaded.spec);
  const { spec } = loaded;
  const columns = specFeatureColumns(
    spec,
    split.table.columns.map((c) => c.name),
  ).map((n) => column(split.table, n));
  return {
    data: {
      spec,
      table: split.table,
      columns,
      target: { kind: 'numeric', name: 'y', values: encodeTarget(split.table, spec).values },
    },
    train: split.train,
  };
}

describe('kFolds', () => {
  it('makes disjoint folds that cover the rows, deterministically', () => {
    const rows = Array.from({ length: 53 }, (_, i) => i * 2);
    const folds = kFolds(rows, 5, 9);
    const held = folds.flatMap((f) => f.validation);
    expect([...held].sort((a, b) => a - b)).toEqual(rows);
    expect(new Set(held).size).toBe(rows.length);
    for (const f of folds) {
      expect(f.train.length + f.validation.length).toBe(rows.length);
      expect(f.train.some((r) => f.validation.includes(r))).toBe(false);
      expect(f.validation.length).toBeGreaterThanOrEqual(10);
    }
    expect(kFolds(rows, 5, 9)).toEqual(folds);
    expect(kFolds(rows, 5, 10)).not.toEqual(folds);
  });

  it('stratifies: every fold keeps the class proportions', () => {
    const labels = Float64Array.from({ length: 100 }, (_, i) => (i % 10 < 2 ? 1 : 0)); // 20% class 1
    const folds = kFolds(
      Array.from({ length: 100 }, (_, i) => i),
      4,
      1,
      labels,
    );
    for (const f of folds) expect(f.validation.filter((r) => labels[r] === 1).length).toBe(5);
  });

  it('refuses too few rows or folds', () => {
    expect(() => kFolds([1, 2], 3, 0)).toThrow(expect.objectContaining({ code: TrainerErrorCodes.DATA_TOO_SMALL }));
    expect(() => kFolds([1, 2, 3], 1, 0)).toThrow(expect.objectContaining({ code: TrainerErrorCodes.DATA_TOO_SMALL }));
  });
});

describe('crossValidate', () => {
  it('refits the pipeline inside each fold on that fold’s training rows only', () => {
    const tmp = tempDir();
    try {
      const { data, train } = runData(tmp.dir);
      const folds = kFolds(train, 3, 1);
      const designs = foldDesigns(data, folds);
      const x2 = column(data.table, 'x2').values;
      designs.forEach((d, f) => {
        const imp = d.pipeline.steps.find((s) => s.op === 'impute' && s.column === 'x2') as { fill: number };
        const fold = (folds[f] as { train: number[] }).train;
        const present = Float64Array.from(fold.map((r) => x2[r] as number).filter((v) => !Number.isNaN(v))).sort();
        expect(imp.fill).toBeCloseTo(quantileSorted(present, 0.5), 3);
        expect(d.held.rows).toEqual(folds[f]?.validation);
      });
      const medians = designs.map(
        (d) => (d.pipeline.steps.find((s) => s.op === 'impute' && s.column === 'x2') as { fill: number }).fill,
      );
      expect(new Set(medians).size).toBeGreaterThan(1);
    } finally {
      tmp.cleanup();
    }
  });

  it('scores the mean baseline at the fold standard deviation (known answer) and linear far better', async () => {
    const tmp = tempDir();
    try {
      const { data, train } = runData(tmp.dir);
      const designs = foldDesigns(data, kFolds(train, 3, 1));
      const [mean, linear] = candidatesFor('regression', { linear: { alpha: 0.01 } });
      const base = await crossValidate(data, designs, mean as never, {}, 1);
      designs.forEach((d, f) => {
        let m = 0;
        for (const v of d.train.y) m += v;
        m /= d.train.y.length;
        let s = 0;
        for (const v of d.held.y) s += (v - m) ** 2;
        expect(base.folds[f]).toBeCloseTo(Math.sqrt(s / d.held.y.length), 9);
      });
      const lin = await crossValidate(data, designs, linear as never, { alpha: 0.01 }, 1);
      expect(lin.mean).toBeLessThan(base.mean / 3);
      expect(lin.folds).toHaveLength(3);
      expect(lin.predictions.map((p) => p.length)).toEqual(designs.map((d) => d.held.rows.length));
    } finally {
      tmp.cleanup();
    }
  });

  it('designs held rows with the pipeline fitted on the fitting rows', () => {
    const tmp = tempDir();
    try {
      const { data, train } = runData(tmp.dir);
      const d = fitDesign(data, train.slice(0, 50), train.slice(50, 60));
      expect(d.train.x.rows).toBe(50);
      expect(d.held.x.rows).toBe(10);
      expect(d.held.x.cols).toBe(d.pipeline.features.length);
    } finally {
      tmp.cleanup();
    }
  });
});
