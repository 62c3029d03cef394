/**
 * 5-fold CV wall time, folds fitted one after the other (n_jobs 1) vs on worker threads (n_jobs 2),
 * on the housing TRAINING rows (bench/lib/housing-rows.ts; the held-out test rows are never read).
 *
 *   npx tsx bench/cv-parallel.ts [--runs 5] [--learners gbdt,linear,mlp,forest,forest10,tuning]
 *
 * The rows go through the firmware-models/housing spec pipeline, refitted per fold in the calling
 * thread (`foldDesigns`, timed apart: it is done once per run and shared by every candidate). Each
 * learner is cross-validated serially (`nJobs: 1`, the anchor) and with `nJobs: 2` on the shared
 * pool, whose workers stay up between calls (what a training run gets: the candidates' CVs follow
 * one another; the warm-up run starts them). 'pool start' times what the first call of a process
 * pays on top: a fresh 2-worker pool, two ridge folds, close. The forest's serial CV builds each
 * forest on its own 2 threads (its default n_jobs 2); on the pool every fold's forest uses 1, and
 * the 5th fold runs in the calling thread on 2 threads once the pool's 4 are done.
 * Every run checks that its fold scores are bit-identical to the first serial run's.
 * 'tuning' times `tune` of GBDT over a grid of 8 points (300 iterations) on an 80/20 split of the
 * same rows: 8 trials, then (on the pool) the best refitted in the calling thread.
 */
import { cpus, loadavg } from 'node:os';
import {
  CvPool,
  candidatesFor,
  column,
  crossValidate,
  encodeTarget,
  fitDesign,
  foldDesigns,
  kFolds,
  specFeatureColumns,
  tune,
  type Candidate,
  type CvOptions,
  type Params,
  type RunData,
} from '@outpost/trainer';
import { loadHousing, SEED } from './lib/housing-rows.ts';
import { printTable, timeRuns, type Row } from './lib/table.ts';

const K = 5;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

/** The housing training rows as a run sees them: the spec's columns and encoded target. */
function housingRunData(): RunData {
  const { loaded, table } = loadHousing();
  const { spec } = loaded;
  const columns = specFeatureColumns(
    spec,
    table.columns.map((c) => c.name),
  ).map((n) => column(table, n));
  return {
    spec,
    table,
    columns,
    target: { kind: 'numeric', name: spec.target.column, values: encodeTarget(table, spec).values },
  };
}

/**
 * Over the candidates' CV defaults: GBDT at 300 iterations; the MLP at 20 epochs (100 take
 * minutes per fold); the forest at its default 60 trees and at the quick runs' 10.
 */
const VARIANTS: Record<string, { learner: string; params: Params }> = {
  gbdt: { learner: 'gbdt', params: { max_iter: 300 } },
  linear: { learner: 'linear', params: { alpha: 1 } },
  mlp: { learner: 'mlp', params: { max_iter: 20 } },
  forest: { learner: 'forest', params: {} },
  forest10: { learner: 'forest', params: { n_estimators: 10 } },
  tuning: {
    learner: 'gbdt',
    params: { max_iter: 300, learning_rate: [0.1, 0.05], max_leaf_nodes: [31, 15], min_samples_leaf: [20, 10] },
  },
};

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const learners = arg('learners', Object.keys(VARIANTS).join(',')).split(',');
  const data = housingRunData();
  const rows = Array.from({ length: data.table.rowCount }, (_, i) => i);
  const folds = kFolds(rows, K, SEED);
  let designs = foldDesigns(data, folds);
  const pipelineTiming = await timeRuns(() => {
    designs = foldDesigns(data, folds);
  }, runs);
  const d0 = designs[0];
  console.log(
    `housing training rows: ${rows.length}, ${K} folds (${d0?.train.x.rows} fit × ${d0?.train.x.cols} features, ${d0?.held.x.rows} held); ${runs} timed runs after 1 warm-up`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );

  const table: Row[] = [
    {
      side: 'pipeline ×5',
      timing: pipelineTiming,
      note: 'foldDesigns: spec pipeline fitted per fold + both matrices, main thread',
    },
  ];
  const ridge = candidatesFor('regression', { linear: {} })[1] as Candidate;
  const startPool = async (): Promise<void> => {
    const pool = new CvPool({ size: 2 });
    await crossValidate(data, designs.slice(0, 2), ridge, { alpha: 1 }, SEED, { pool });
    await pool.close();
  };
  table.push({
    side: 'pool start',
    timing: await timeRuns(startPool, runs),
    note: 'new 2-worker pool, 2 ridge folds, close',
  });
  const cut = Math.round(rows.length * 0.8);
  const val = fitDesign(data, rows.slice(0, cut), rows.slice(cut));
  for (const name of learners) {
    if (name === 'tuning') {
      const v = VARIANTS.tuning as { learner: string; params: Params };
      const gbdt = candidatesFor('regression', { gbdt: v.params })[1] as Candidate;
      let reference: string | undefined;
      const same: Record<string, boolean> = {};
      const run = (mode: string, nJobs: number) => async (): Promise<void> => {
        const t = await tune(data, val, gbdt, { seed: SEED, budget: 8, nJobs });
        const trials = JSON.stringify(t.trials);
        reference ??= trials;
        same[mode] = (same[mode] ?? true) && trials === reference;
      };
      const serial = await timeRuns(run('serial', 1), runs);
      const pooled = await timeRuns(run('n_jobs 2', 2), runs);
      table.push({
        side: 'tuning serial',
        timing: serial,
        pass: same.serial,
        note: `gbdt, ${gbdtTrials(reference)} trials, grid ${JSON.stringify(gbdt.grid)}`,
      });
      table.push({
        side: 'tuning n_jobs 2',
        timing: pooled,
        ratio: pooled.median / serial.median,
        pass: same['n_jobs 2'],
        note: 'trials on the shared pool, best refitted here',
      });
      console.log(
        `${name}: done (load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
      );
      continue;
    }
    const v = VARIANTS[name] ?? { learner: name, params: {} };
    const candidate = candidatesFor('regression', { [v.learner]: v.params }).find(
      (c) => c.name === v.learner,
    ) as Candidate;
    const params = candidate.params;
    let reference: number[] | undefined;
    const same: Record<string, boolean> = {};
    const run = (mode: string, opts: CvOptions) => async (): Promise<void> => {
      const r = await crossValidate(data, designs, candidate, params, SEED, opts);
      if (!reference) reference = r.folds;
      const ok = r.folds.every((s, f) => Object.is(s, reference?.[f]));
      if (!ok) console.log(`${name} ${mode}: folds ${r.folds.join(' ')} differ from ${reference.join(' ')}`);
      same[mode] = (same[mode] ?? true) && ok;
    };
    const serial = await timeRuns(run('serial', { nJobs: 1 }), runs);
    const pooled = await timeRuns(run('n_jobs 2', { nJobs: 2 }), runs);
    const rmse = (reference ?? []).reduce((s, v) => s + v, 0) / K;
    table.push({
      side: `${name} serial`,
      timing: serial,
      metric: rmse,
      pass: same.serial,
      note: JSON.stringify(params),
    });
    table.push({
      side: `${name} n_jobs 2`,
      timing: pooled,
      ratio: pooled.median / serial.median,
      pass: same['n_jobs 2'],
      note: 'shared pool, workers already up',
    });
    console.log(
      `${name}: done (load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
    );
  }
  console.log();
  printTable(table, {
    metricName: 'CV RMSE',
    title: `${K}-fold CV wall time; ratio = parallel / serial median; pass = every run's fold scores (tuning: trials) bit-identical to the first serial run's`,
  });
  console.log(
    `\nload average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

function gbdtTrials(trials: string | undefined): number {
  return trials ? (JSON.parse(trials) as unknown[]).length : 0;
}

await main();
