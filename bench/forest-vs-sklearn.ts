/**
 * Random-forest fit time and RMSE against scikit-learn's RandomForestRegressor on the housing
 * TRAINING rows (the held-out test rows are never read here).
 *
 *   npx tsx bench/forest-vs-sklearn.ts [--runs 3]
 *
 * The training rows are split 80/20 (seeded) into fit / eval rows, the preprocessing pipeline is
 * fitted on the fit rows, and both design matrices are written to CSV files that both sides read.
 * Both fit 100 trees on 2 threads (sklearn: n_jobs=2, random_state=0, defaults otherwise: fully
 * grown trees, max_features=1.0, bootstrap). Target: our median fit time ≤ 1.0× sklearn's,
 * measured in the same run. Eval RMSE is reported for both: ours splits on ≤ 255 quantile bins
 * while sklearn tries every distinct value, and the bootstrap draws differ, so RMSEs differ slightly.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { forestLearner, rmse, treeNodeCount, type ForestModel } from '@outpost/trainer';
import { loadHousing, SEED, writeMatrixCsv } from './lib/housing-rows.ts';
import { printTable, summarize, timeRuns } from './lib/table.ts';

interface SkResult {
  sklearn: string;
  fit_seconds: number[];
  eval_rmse: number;
  nodes: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const { fx, ex, fy, ey } = loadHousing();

  const dir = mkdtempSync(join(tmpdir(), 'forest-bench-'));
  let sk: SkResult;
  try {
    writeMatrixCsv(join(dir, 'fit_x.csv'), fx);
    writeMatrixCsv(join(dir, 'fit_y.csv'), fy);
    writeMatrixCsv(join(dir, 'eval_x.csv'), ex);
    writeMatrixCsv(join(dir, 'eval_y.csv'), ey);
    sk = JSON.parse(
      execFileSync('/usr/bin/python3', ['bench/python/forest.py', dir, String(runs)], { encoding: 'utf8' }),
    ) as SkResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  let model: ForestModel | undefined;
  const fit = async (): Promise<void> => {
    model = await forestLearner.fit(fx, fy, { n_estimators: 100, n_jobs: 2 }, { task: 'regression', seed: SEED });
  };
  const ours = await timeRuns(fit, runs);
  const m = model as ForestModel;
  const oursRmse = rmse(m.predict(ex), ey);
  const skTiming = summarize(sk.fit_seconds);
  const ratio = ours.median / skTiming.median;

  console.log(
    `housing training rows: ${fx.rows} fit × ${fx.cols} features, ${ex.rows} eval rows; ${runs} timed runs after 1 warm-up on each side`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('target: time ratio ≤ 1.00 (RMSE reported, not gated: binning and bootstrap draws differ)\n');
  printTable(
    [
      {
        side: 'sklearn',
        timing: skTiming,
        metric: sk.eval_rmse,
        note: `RandomForestRegressor ${sk.sklearn}, ${sk.nodes} nodes`,
      },
      {
        side: 'ours',
        timing: ours,
        metric: oursRmse,
        ratio,
        pass: ratio <= 1,
        note: `rmse ${((oursRmse / sk.eval_rmse - 1) * 100).toFixed(2)}% vs sklearn, oob rmse ${m.oobScore.toFixed(0)}, ${treeNodeCount(m.ensemble)} nodes, ${m.workerTrees} trees on the worker`,
      },
    ],
    { metricName: 'eval RMSE', title: 'n_estimators=100, n_jobs=2, fully grown trees, max_features=1.0, bootstrap' },
  );
}

await main();
