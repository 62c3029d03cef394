import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLockedTestSets } from '../src/data/locked-test.ts';
import { TestLedger } from '../src/data/ledger.ts';
import { testRun } from '../src/cli/test-command.ts';
import { takeRows, type Learner, type Matrix } from '../src/models/learner.ts';
import { candidatesFor, type Candidate } from '../src/run/candidates.ts';
import { CvPool, type FitJob } from '../src/run/cv-pool.ts';
import { evaluateRun, finalDecision } from '../src/run/evaluate-test.ts';
import { loadRunModel, loadRunRecord } from '../src/run/run-dir.ts';
import { runTraining } from '../src/run/run-training.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';
import { binaryFixture, QUICK_CANDIDATES, regressionFixture } from './run-fixtures.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('runTraining', () => {
  it('runs baseline, CV, tuning, ensembles and final refit, and writes the run folder', async () => {
    const spec = loadSpec(regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES }).spec);
    const runDir = join(tmp.dir, 'runs', 'synth', 'a');
    const r = await runTraining(spec, { runDir, quick: true });
    expect(r.table[r.table.length - 1]?.name).toBe('mean'); // the baseline is worst here
    expect(r.table.map((t) => t.name).sort()).toEqual(['averaging', 'gbdt', 'linear', 'mean', 'stacking', 'tree']);
    expect(r.table.find((t) => t.name === 'linear')?.cv.folds).toHaveLength(3);
    expect(r.tuning.map((t) => t.candidate)).toEqual(['linear', 'gbdt']);
    expect(r.chosen.name).toBe('linear'); // y is linear in the features
    expect(r.decision).toMatchObject({ go: true, stage: 'provisional', on: 'validation' });
    expect(r.trainedModel.trainRecords).toHaveLength(r.rows.train + r.rows.validation);
    expect(r.trainedModel.validation.records).toHaveLength(r.rows.validation);
    expect(r.trainedModel.inputs.find((i) => i.name === 'cat')).toEqual({
      name: 'cat',
      type: 'string',
      categories: ['a', 'b', 'c'],
    });
    expect(r.trainedModel.metrics.cv?.folds).toBe(3);
    for (const f of [
      'run.json',
      'model.json',
      'baseline.json',
      'pipeline.json',
      'test-set.csv',
      'test-set.json',
      'report.html',
      'model-card.md',
    ])
      expect(existsSync(join(runDir, f))).toBe(true);
    expect(loadRunRecord(runDir)).toMatchObject({
      name: 'synth',
      seed: 3,
      chosen: { name: 'linear' },
      decision: { go: true },
    });
    // The saved model predicts what the live one does.
    const saved = loadRunModel(runDir);
    const x = r.trainedModel.pipeline === undefined ? undefined : saved.pipeline;
    expect(x).toEqual(JSON.parse(JSON.stringify(r.trainedModel.pipeline)));
    const m: Matrix = { data: Float64Array.from([1, 2, 3, 0, 1, 0, 0.5, 5, 1, 9, 0, 1, 0, 9]), rows: 2, cols: 7 };
    expect(saved.pipeline.features).toHaveLength(7);
    expect(Array.from(saved.model.predict(m))).toEqual(Array.from(r.trainedModel.model.predict(m)));
    expect(r.table.find((t) => t.name === 'averaging')).toMatchObject({
      members: ['linear', 'gbdt'],
      method: 'average',
    });
    expect(r.table.find((t) => t.name === 'stacking')).toMatchObject({ members: ['linear', 'gbdt'], method: 'stack' });
    expect(r.table.find((t) => t.name === 'stacking')?.cv.folds).toHaveLength(3);
    // Both ensembles are scored on validation; stacking's meta-learner saw only the training rows' out-of-fold predictions.
    expect(r.validation.map((v) => v.name)).toEqual(['mean', 'linear', 'gbdt', 'averaging', 'stacking']);
    expect(r.validation.find((v) => v.name === 'stacking')?.stack).toMatchObject({
      learner: 'nnls',
      link: 'identity',
      trainingRows: r.rows.train,
      folds: 3,
    });
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('stacking of linear + gbdt');
  });

  it('stacking can be turned off (run option)', async () => {
    const spec = loadSpec(regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES }).spec);
    const r = await runTraining(spec, { runDir: join(tmp.dir, 'off'), quick: true, stacking: false });
    expect(r.table.map((t) => t.name)).not.toContain('stacking');
    expect(r.validation.map((v) => v.name)).toEqual(['mean', 'linear', 'gbdt', 'averaging']);
  });

  it('is deterministic for a seed: identical model bytes and tables', async () => {
    const spec = loadSpec(regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES }).spec);
    const a = await runTraining(spec, { runDir: join(tmp.dir, 'a'), quick: true });
    const b = await runTraining(spec, { runDir: join(tmp.dir, 'b'), quick: true });
    expect(readFileSync(join(tmp.dir, 'b', 'model.json'), 'utf8')).toBe(
      readFileSync(join(tmp.dir, 'a', 'model.json'), 'utf8'),
    );
    expect(JSON.stringify(b.table.map((t) => t.cv))).toBe(JSON.stringify(a.table.map((t) => t.cv)));
    expect(JSON.stringify(b.validation)).toBe(JSON.stringify(a.validation)); // stacking's meta-learner included
    expect(readFileSync(join(tmp.dir, 'b', 'test-set.csv'), 'utf8')).toBe(
      readFileSync(join(tmp.dir, 'a', 'test-set.csv'), 'utf8'),
    );
  });

  it('no locked test row reaches any fit (instrumented learners see only train + validation ids)', async () => {
    const spec = loadSpec(regressionFixture(tmp.dir).spec);
    const seen = new Set<number>();
    let fits = 0;
    const record = (x: Matrix, idCol: number): void => {
      for (let i = 0; i < x.rows; i++) seen.add(x.data[i * x.cols + idCol] as number);
    };
    const instrument = (c: Candidate): Candidate => {
      const inner = c.learner;
      const learner: Learner<Record<string, unknown>> = {
        ...inner,
        async fit(x, y, params, ctx) {
          fits++;
          const idCol = (ctx.columnNames ?? []).indexOf('id');
          expect(idCol).toBe(0);
          record(x, idCol);
          if (ctx.validation) record(ctx.validation.x, idCol);
          return inner.fit(x, y, params, ctx);
        },
      };
      return { ...c, learner };
    };
    const candidates = candidatesFor(
      'regression',
      { linear: { alpha: [1, 10] }, gbdt: { max_iter: [10, 20], min_samples_leaf: 5 } },
      true,
    ).map(instrument);
    const runDir = join(tmp.dir, 'run');
    const r = await runTraining(spec, { runDir, quick: true, candidates });
    expect(fits).toBeGreaterThan(10);
    const testIds = readFileSync(join(runDir, 'test-set.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[0]));
    expect(testIds).toHaveLength(r.rows.test);
    expect(testIds.filter((id) => seen.has(id))).toEqual([]);
    // …and the fits did see the training and validation rows.
    expect(seen.size).toBe(r.rows.train + r.rows.validation);
  });

  it('no locked test row reaches a fit on the worker pool either (and the check sees one that does)', async () => {
    const spec = loadSpec(regressionFixture(tmp.dir).spec);
    const seen = new Set<number>();
    let jobs = 0;
    const record = (x: Matrix, idCol: number): void => {
      for (let i = 0; i < x.rows; i++) seen.add(x.data[i * x.cols + idCol] as number);
    };
    // What a worker fits on passes through the pool in this thread: its design, rows and validation.
    const observe = (job: FitJob): void => {
      jobs++;
      const idCol = (job.ctx.columnNames ?? []).indexOf('id');
      expect(idCol).toBe(0);
      const x = job.rows ? takeRows(job.x, job.rows) : job.x;
      record(x, idCol);
      if (job.ctx.validation) record(job.ctx.validation.x, idCol);
    };
    const pool = new CvPool({ size: 2, onJob: observe });
    try {
      // The registry's own learners (not wrapped), so their CV folds and tuning trials go to workers.
      const candidates = candidatesFor(
        'regression',
        { linear: { alpha: [1, 10] }, gbdt: { max_iter: [10, 20], min_samples_leaf: 5 } },
        true,
      );
      const runDir = join(tmp.dir, 'run');
      const r = await runTraining(spec, { runDir, quick: true, candidates, pool });
      expect(jobs).toBeGreaterThan(4);
      expect(pool.started).toBe(2);
      const testIds = readFileSync(join(runDir, 'test-set.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(',')[0]));
      expect(testIds).toHaveLength(r.rows.test);
      const leaked = (): number[] => testIds.filter((id) => seen.has(id));
      expect(leaked()).toEqual([]);
      expect(seen.size).toBeGreaterThan(0);
      expect(seen.size).toBeLessThanOrEqual(r.rows.train + r.rows.validation);

      // A worker job holding a test row is caught: the same observer, one row swapped for a test row.
      const t = r.trainedModel;
      const first = testIds[0] as number;
      const x = Float64Array.from([first, ...new Array<number>(t.pipeline.features.length - 1).fill(0)]);
      const design = { data: x, rows: 1, cols: t.pipeline.features.length };
      await pool.fit({
        learner: 'linear',
        params: {},
        ctx: { task: 'regression', seed: 1, columnNames: t.pipeline.features },
        x: design,
        y: Float64Array.of(1),
        held: design,
      });
      expect(leaked()).toEqual([first]);
    } finally {
      await pool.close();
    }
  });

  it('classification: stratified folds, probabilities, labels kept; a separate test source is locked', async () => {
    const spec = loadSpec(
      binaryFixture(tmp.dir, { extra: 'candidates:\n  logistic: { C: [0.1, 10] }\n  tree: { max_depth: [3, 6] }\n' })
        .spec,
    );
    const runDir = join(tmp.dir, 'run');
    const r = await runTraining(spec, { runDir, quick: true });
    expect(r.trainedModel.classes).toEqual(['no', 'yes']);
    expect(r.rows.test).toBe(80);
    expect(r.table.find((t) => t.name === 'majority')?.baseline).toBe(true);
    expect(r.chosen.validation).toBeGreaterThan(0.85);
    expect(r.errors.calibration?.length).toBeGreaterThan(0);
    expect(readLockedTestSets(runDir).map((s) => s.rowCount)).toEqual([80]);
  });
});

describe('outpost test evaluator', () => {
  it('evaluates the saved model once with a CI and a final decision; a repeat is flagged', async () => {
    const spec = loadSpec(regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES }).spec);
    const runDir = join(tmp.dir, 'runs', 'synth', 'a');
    await runTraining(spec, { runDir, quick: true });
    expect(finalDecision(runDir)).toBeUndefined();
    const first = await testRun(runDir, evaluateRun);
    const e = first.entries[0];
    expect(e).toMatchObject({ testSet: 'test', metric: 'rmse', evaluation: 1, repeat: false });
    expect(e?.value).toBeLessThan(3);
    const [lo, hi] = e?.ci ?? [NaN, NaN];
    expect(lo).toBeLessThanOrEqual(e?.value as number);
    expect(hi).toBeGreaterThanOrEqual(e?.value as number);
    const t = finalDecision(runDir);
    expect(t?.decision).toMatchObject({ go: true, stage: 'final', on: 'test' });
    expect(t?.value).toBe(e?.value);
    expect(t?.baseline).toBeGreaterThan(5);
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('final decision on the locked test set');
    expect(t?.evaluation).toBe(1);
    expect(readFileSync(join(runDir, 'model-card.md'), 'utf8')).not.toContain('a repeat');
    const second = await testRun(runDir, evaluateRun);
    expect(second.entries[0]).toMatchObject({ evaluation: 2, repeat: true });
    expect(second.warnings[0]).toMatch(/evaluated before/);
    expect(TestLedger.forRun(runDir).entries()).toHaveLength(2);
    // The ledger sits beside the spec, and the reports say this look was a repeat.
    expect(TestLedger.forRun(runDir).path).toBe(join(tmp.dir, 'test-ledger.jsonl'));
    expect(finalDecision(runDir)?.evaluation).toBe(2);
    expect(readFileSync(join(runDir, 'model-card.md'), 'utf8')).toContain('evaluation #2 of this test set (a repeat)');
    expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toContain('evaluation #2 — a repeat');
  });

  it('a model that misses the threshold is a no-go on the test set', async () => {
    const spec = loadSpec(regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES, threshold: 0.01 }).spec);
    const runDir = join(tmp.dir, 'run');
    const r = await runTraining(spec, { runDir, quick: true });
    expect(r.decision.go).toBe(false);
    await testRun(runDir, evaluateRun);
    expect(finalDecision(runDir)?.decision.go).toBe(false);
    expect(finalDecision(runDir)?.decision.reasons[0]).toMatch(/misses the threshold/);
  });
});
