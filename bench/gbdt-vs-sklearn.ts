/**
 * GBDT fit time and RMSE against scikit-learn's HistGradientBoostingRegressor on the housing
 * TRAINING rows (the held-out test rows are never read here).
 *
 *   npx tsx bench/gbdt-vs-sklearn.ts [--runs 5] [--iters 100,300]
 *
 * The training rows are split 80/20 (seeded) into fit / eval rows, the preprocessing pipeline is
 * fitted on the fit rows, and both design matrices are written to CSV files that both sides read.
 * Targets: our median fit time ≤ 1.0× sklearn's, measured in the same run, and eval
 * RMSE ≤ sklearn's × (1 + RMSE_MARGIN) — the margin absorbs binning differences (sklearn and we
 * place quantile cuts slightly differently), not a slower or worse model.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gbdtLearner, rmse, type GbdtParams } from '@outpost/trainer';
import { loadHousing, SEED, writeMatrixCsv } from './lib/housing-rows.ts';
import { printTable, summarize, timeRuns, type Timing } from './lib/table.ts';

const RMSE_MARGIN = 0.005;

interface SkConfig {
  max_iter: number;
  fit_seconds: number[];
  eval_rmse: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const iters = arg('iters', '100,300').split(',').map(Number);
  const { fx, ex, fy, ey } = loadHousing();

  const dir = mkdtempSync(join(tmpdir(), 'gbdt-bench-'));
  let sk: SkConfig[];
  try {
    writeMatrixCsv(join(dir, 'fit_x.csv'), fx);
    writeMatrixCsv(join(dir, 'fit_y.csv'), fy);
    writeMatrixCsv(join(dir, 'eval_x.csv'), ex);
    writeMatrixCsv(join(dir, 'eval_y.csv'), ey);
    const out = execFileSync('/usr/bin/python3', ['bench/python/hgb.py', dir, String(runs), ...iters.map(String)], {
      encoding: 'utf8',
    });
    sk = (JSON.parse(out) as { configs: SkConfig[] }).configs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `housing training rows: ${fx.rows} fit × ${fx.cols} features, ${ex.rows} eval rows; ${runs} timed runs after 1 warm-up`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`targets: time ratio ≤ 1.00, RMSE ≤ sklearn × ${(1 + RMSE_MARGIN).toFixed(3)}\n`);
  for (const cfg of sk) {
    const params: Partial<GbdtParams> = {
      max_iter: cfg.max_iter,
      learning_rate: 0.1,
      max_leaf_nodes: 31,
      min_samples_leaf: 20,
      max_bins: 255,
      l2_regularization: 0,
      early_stopping: false,
    };
    const fit = () => gbdtLearner.fit(fx, fy, params, { task: 'regression', seed: SEED });
    const ours: Timing = await timeRuns(fit, runs);
    const oursRmse = rmse((await fit()).predict(ex), ey);
    const skTiming = summarize(cfg.fit_seconds);
    const ratio = ours.median / skTiming.median;
    const pass = ratio <= 1 && oursRmse <= cfg.eval_rmse * (1 + RMSE_MARGIN);
    printTable(
      [
        { side: 'sklearn', timing: skTiming, metric: cfg.eval_rmse, note: 'HistGradientBoostingRegressor' },
        {
          side: 'ours',
          timing: ours,
          metric: oursRmse,
          ratio,
          pass,
          note: `rmse ${((oursRmse / cfg.eval_rmse - 1) * 100).toFixed(2)}% vs sklearn`,
        },
      ],
      {
        metricName: 'eval RMSE',
        title: `max_iter=${cfg.max_iter}, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, 255 bins, no early stopping`,
      },
    );
    console.log('');
  }
}

await main();
