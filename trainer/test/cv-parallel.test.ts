import { OutpostError } from '@outpost/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { column, encodeTarget, specFeatureColumns, loadSpecData } from '../src/data/load.ts';
import { splitAndLock } from '../src/data/locked-test.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import type { Learner } from '../src/models/learner.ts';
import { candidatesFor, type Candidate, type Params } from '../src/run/candidates.ts';
import { CvPool, poolSize, sharedCvPool } from '../src/run/cv-pool.ts';
import {
  crossValidate,
  fitDesign,
  fitContext,
  foldDesigns,
  kFolds,
  type CvResult,
  type Design,
  type RunData,
} from '../src/run/cv.ts';
import { fitEach, runsOnWorkers, type FitSpec } from '../src/run/parallel-fits.ts';
import { plainJSON } from '../src/run/revive.ts';
import { tune, type TuningResult } from '../src/run/tuning.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir, waitFor } from './helpers.ts';
import { binaryFixture, regressionFixture, type Fixture } from './run-fixtures.ts';

function runData(make: (dir: string) => Fixture): { data: RunData; train: number[]; validation: number[] } {
  const tmp = tempDir();
  try {
    const loaded = loadSpec(make(tmp.dir).spec);
    const split = splitAndLock(loadSpecData(loaded), loaded.spec);
    const { spec } = loaded;
    const columns = specFeatureColumns(
      spec,
      split.table.columns.map((c) => c.name),
    ).map((n) => column(split.table, n));
    const enc = encodeTarget(split.table, spec);
    const data: RunData = {
      spec,
      table: split.table,
      columns,
      target: { kind: 'numeric', name: 'target', values: enc.values },
    };
    if (enc.classes) data.classes = enc.classes;
    return { data, train: split.train, validation: split.validation };
  } finally {
    tmp.cleanup();
  }
}

const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSameCv(par: CvResult, serial: CvResult): void {
  expect(par.folds).toHaveLength(serial.folds.length);
  par.folds.forEach((s, f) => expect(Object.is(s, serial.folds[f])).toBe(true));
  expect(Object.is(par.mean, serial.mean)).toBe(true);
  expect(Object.is(par.std, serial.std)).toBe(true);
  par.predictions.forEach((p, f) => expect(bytes(p).equals(bytes(serial.predictions[f] as Float64Array))).toBe(true));
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

const reg = runData(regressionFixture);
const regDesigns = foldDesigns(reg.data, kFolds(reg.train, 3, 1));
const pool = new CvPool({ size: 2 });

afterAll(async () => {
  await pool.close();
});

describe('CV folds on worker threads', () => {
  it('scores every regression learner bit for bit as the serial loop does', async () => {
    const candidates = candidatesFor('regression', {
      linear: { alpha: 0.1 },
      tree: { max_depth: 6 },
      forest: { n_estimators: 8 },
      gbdt: { max_iter: 20, min_samples_leaf: 5 },
      mlp: { hidden_layer_sizes: [8], max_iter: 15 },
    }).slice(1);
    for (const c of candidates) {
      expect(runsOnWorkers(c, regDesigns.length, { pool })).toBe(true);
      const serial = await crossValidate(reg.data, regDesigns, c, c.params, 4, { nJobs: 1 });
      const par = await crossValidate(reg.data, regDesigns, c, c.params, 4, { pool });
      expectSameCv(par, serial);
    }
    expect(pool.started).toBe(2);
  });

  it('does the same for classification (logistic, forest, gbdt on a binary task)', async () => {
    const bin = runData(binaryFixture);
    const designs = foldDesigns(bin.data, kFolds(bin.train, 4, 2, bin.data.target.values));
    for (const c of candidatesFor('binary', {
      logistic: {},
      forest: { n_estimators: 6 },
      gbdt: { max_iter: 10 },
    }).slice(1)) {
      const serial = await crossValidate(bin.data, designs, c, c.params, 9, { nJobs: 1 });
      expectSameCv(await crossValidate(bin.data, designs, c, c.params, 9, { pool }), serial);
    }
  });

  it('uses the shared pool by default (n_jobs 2) and retires its workers once idle', async () => {
    const gbdt = candidatesFor('regression', { gbdt: { max_iter: 10 } })[1] as Candidate;
    const serial = await crossValidate(reg.data, regDesigns, gbdt, gbdt.params, 1, { nJobs: 1 });
    expectSameCv(await crossValidate(reg.data, regDesigns, gbdt, gbdt.params, 1), serial);
    const shared = sharedCvPool(poolSize(2));
    expect(sharedCvPool(poolSize(2))).toBe(shared);
    await waitFor(() => shared.workers === 0);
  });

  it('sizes a pool from n_jobs, capped at the cores (−1: every core)', () => {
    expect(poolSize(2, 1)).toBe(1);
    expect(poolSize(2, 8)).toBe(2);
    expect(poolSize(1, 8)).toBe(1);
    expect(poolSize(-1, 6)).toBe(6);
    expect(new CvPool({ size: 3 }).size).toBe(3); // an explicit pool size is taken as given
    expect(() => new CvPool({ size: 0 })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.MODEL_PARAM_INVALID }),
    );
  });

  it('stays in the calling thread for n_jobs 1, the baselines and learners a worker cannot rebuild', () => {
    const [mean, linear] = candidatesFor('regression', { linear: {} }) as [Candidate, Candidate];
    expect(runsOnWorkers(linear, 3, { pool })).toBe(true);
    expect(runsOnWorkers(linear, 3, { pool: new CvPool({ size: 1 }) })).toBe(false);
    expect(runsOnWorkers(linear, 3, { nJobs: 1 })).toBe(false);
    expect(runsOnWorkers(linear, 1, { pool })).toBe(false);
    expect(runsOnWorkers(mean, 3, { pool })).toBe(false);
    const wrapped: Learner<Params> = { ...linear.learner, fit: (x, y, p, ctx) => linear.learner.fit(x, y, p, ctx) };
    expect(runsOnWorkers({ ...linear, learner: wrapped }, 3, { pool })).toBe(false);
  });

  it('refuses a bad n_jobs with a coded error', async () => {
    const linear = candidatesFor('regression', { linear: {} })[1] as Candidate;
    for (const nJobs of [0, 1.5, -2]) {
      const err = await rejection(crossValidate(reg.data, regDesigns, linear, {}, 1, { nJobs }));
      expect(err).toMatchObject({ code: TrainerErrorCodes.MODEL_PARAM_INVALID, details: { param: 'n_jobs' } });
    }
  });

  it('surfaces an error thrown in a worker as the same coded error as in the thread', async () => {
    const gbdt = candidatesFor('regression', { gbdt: {} })[1] as Candidate;
    const bad = { ...gbdt.params, max_iter: 0 };
    const serial = (await rejection(crossValidate(reg.data, regDesigns, gbdt, bad, 1, { nJobs: 1 }))) as OutpostError;
    const par = await rejection(crossValidate(reg.data, regDesigns, gbdt, bad, 1, { pool }));
    expect(serial.code).toBe(TrainerErrorCodes.MODEL_PARAM_INVALID);
    expect(par).toBeInstanceOf(OutpostError);
    expect((par as OutpostError).toJSON()).toEqual(serial.toJSON());
    // The pool still works after a failed batch.
    const good = await crossValidate(reg.data, regDesigns, gbdt, { ...gbdt.params, max_iter: 5 }, 1, { pool });
    expect(good.folds.every(Number.isFinite)).toBe(true);
  });
});

describe('the CV worker pool', () => {
  const probeEntry = new URL('./cv-probe-worker.ts', import.meta.url);
  const jobs = (n: number): FitSpec[] =>
    regDesigns.slice(0, n).map((d: Design, f) => ({
      x: d.train.x,
      y: d.train.y,
      held: d.held.x,
      params: {},
      ctx: fitContext(reg.data, f),
    }));

  it('gives a forest n_jobs 1 inside a worker, fits its odd last job here, and shares the matrices', async () => {
    const probe = new CvPool({ size: 2, entry: probeEntry });
    try {
      const [, forest, gbdt] = candidatesFor('regression', { forest: {}, gbdt: {} }) as Candidate[];
      const params = { n_jobs: 2, n_estimators: 5 };
      const two = await fitEach(
        forest as Candidate,
        jobs(2).map((j) => ({ ...j, params })),
        { pool: probe },
      );
      expect(two.map((p) => Array.from(p))).toEqual([
        [1, 1],
        [1, 1],
      ]);
      // 3 jobs on 2 workers: the third would run alone, so it runs in this thread with the forest's own threads.
      const three = await fitEach(
        forest as Candidate,
        jobs(3).map((j) => ({ ...j, params })),
        { pool: probe },
      );
      expect(three.slice(0, 2).map((p) => Array.from(p))).toEqual([
        [1, 1],
        [1, 1],
      ]);
      expect(three[2]).toHaveLength((regDesigns[2] as Design).held.x.rows);
      const g = await fitEach(gbdt as Candidate, jobs(3), { pool: probe });
      expect(g.map((p) => Array.from(p))).toEqual([
        [NaN, 1],
        [NaN, 1],
        [NaN, 1],
      ]);
    } finally {
      await probe.close();
    }
    expect(probe.workers).toBe(0);
  });

  it('rejects the job of a worker that dies with MODEL_WORKER_FAILED, then replaces the worker', async () => {
    const probe = new CvPool({ size: 1, entry: probeEntry });
    try {
      const [job] = jobs(1) as [FitSpec];
      const err = await rejection(probe.fit({ ...job, learner: 'crash' }));
      expect(err).toMatchObject({ code: TrainerErrorCodes.MODEL_WORKER_FAILED, details: { learner: 'crash' } });
      expect(probe.workers).toBe(0);
      expect(Array.from(await probe.fit({ ...job, learner: 'linear' }))).toEqual([NaN, 1]);
      expect(probe.started).toBe(2);
    } finally {
      await probe.close();
    }
    expect(probe.workers).toBe(0);
    expect(await rejection(probe.fit({ ...(jobs(1)[0] as FitSpec), learner: 'linear' }))).toMatchObject({
      code: TrainerErrorCodes.MODEL_WORKER_FAILED,
    });
  });

  it('terminates its workers after idleMs without a job', async () => {
    const idle = new CvPool({ size: 2, idleMs: 50, entry: probeEntry });
    try {
      const [linear] = candidatesFor('regression', { linear: {} }).slice(1) as [Candidate];
      await fitEach(linear, jobs(2), { pool: idle });
      expect(idle.workers).toBe(2);
      await waitFor(() => idle.workers === 0);
    } finally {
      await idle.close();
    }
  });
});

describe('tuning trials on worker threads', () => {
  const val = fitDesign(reg.data, reg.train, reg.validation);

  async function both(c: Candidate, budget: number): Promise<[TuningResult, TuningResult, string[], string[]]> {
    const serialLog: string[] = [];
    const parLog: string[] = [];
    const serial = await tune(reg.data, val, c, { seed: 3, budget, nJobs: 1, onProgress: (m) => serialLog.push(m) });
    const par = await tune(reg.data, val, c, { seed: 3, budget, pool, onProgress: (m) => parLog.push(m) });
    return [serial, par, serialLog, parLog];
  }

  function expectSameTuning(par: TuningResult, serial: TuningResult): void {
    expect(JSON.stringify(par.trials)).toBe(JSON.stringify(serial.trials));
    expect(par.best).toEqual(serial.best);
    expect(Object.is(par.bestScore, serial.bestScore)).toBe(true);
    expect(Object.is(par.defaultScore, serial.defaultScore)).toBe(true);
    expect(bytes(par.predictions).equals(bytes(serial.predictions))).toBe(true);
    expect(JSON.stringify(plainJSON(par.model.toJSON()))).toBe(JSON.stringify(plainJSON(serial.model.toJSON())));
    expect(par.model.constructor).toBe(serial.model.constructor);
  }

  it('halving: the same trials in the same order, the same best model and predictions', async () => {
    const gbdt = candidatesFor('regression', {
      gbdt: { max_iter: [10, 20], learning_rate: [0.1, 0.3], max_leaf_nodes: [7, 15], min_samples_leaf: 5 },
    })[1] as Candidate;
    const [serial, par, serialLog, parLog] = await both(gbdt, 2);
    expect(serial.method).toBe('halving');
    expect(serial.trials.some((t) => t.fraction < 1)).toBe(true);
    expectSameTuning(par, serial);
    expect(parLog).toEqual(serialLog);
  });

  it('grid: a forest tuned on workers (n_jobs 1 there) matches the serial one', async () => {
    const forest = candidatesFor('regression', {
      forest: { n_estimators: 6, max_features: [1, 0.5], min_samples_leaf: [1, 4] },
    })[1] as Candidate;
    const [serial, par] = await both(forest, 8);
    expect(serial.method).toBe('grid');
    expect(serial.trials).toHaveLength(4);
    expectSameTuning(par, serial);
  });
});
