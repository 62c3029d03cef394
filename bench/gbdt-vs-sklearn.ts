/**
 * GBDT fit time and RMSE against scikit-learn's HistGradientBoostingRegressor on the housing
 * TRAINING rows (the held-out test rows are never read here).
 *
 *   npx tsx bench/gbdt-vs-sklearn.ts [--runs 5] [--iters 100,300]
 *
 * The training rows are split 80/20 (seeded) into fit / eval rows, the preprocessing pipeline is
 * fitted on the fit rows, and both design matrices are written to CSV files that both sides read.
 * Targets (issue 3): our median fit time ≤ 1.0× sklearn's, measured in the same run, and eval
 * RMSE ≤ sklearn's × (1 + RMSE_MARGIN) — the margin absorbs binning differences (sklearn and we
 * place quantile cuts slightly differently), not a slower or worse model.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDatasetFile } from '../trainer/src/data/dataset.ts';
import { incomeCategory, stratifiedSplit } from '../trainer/src/data/split.ts';
import { HOUSING } from '../trainer/src/housing.ts';
import { matrix, type Matrix } from '../trainer/src/models/learner.ts';
import { gbdtLearner, type GbdtParams } from '../trainer/src/models/gbdt/index.ts';
import { fitPipeline, transformRows } from '../trainer/src/preprocess/pipeline.ts';
import { mulberry32, shuffled } from '../trainer/src/random.ts';
import { pick, rmse } from '../trainer/src/stats.ts';
import { printTable, summarize, timeRuns, type Timing } from './lib/table.ts';

const HOUSING_CSV = fileURLToPath(new URL('../trainer/datasets/california-housing/housing.csv', import.meta.url));
const RMSE_MARGIN = 0.005;
const SEED = 42;

interface SkConfig {
  max_iter: number;
  fit_seconds: number[];
  eval_rmse: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

function writeCsv(path: string, m: Matrix | Float64Array): void {
  const lines: string[] = [];
  if (m instanceof Float64Array) for (const v of m) lines.push(String(v));
  else for (let r = 0; r < m.rows; r++) lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), String).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '5'));
  const iters = arg('iters', '100,300').split(',').map(Number);
  const ds = loadDatasetFile(HOUSING_CSV, { target: HOUSING.target, expectNumeric: HOUSING.numeric });
  const income = ds.features.find((c) => c.name === HOUSING.stratifyOn);
  const strata = income?.kind === 'numeric' ? Array.from(income.values, incomeCategory) : [];
  const { train } = stratifiedSplit(strata, HOUSING.testFraction, SEED);
  const order = shuffled(train, mulberry32(SEED + 1));
  const cut = Math.round(order.length * 0.8);
  const fitRows = order.slice(0, cut).sort((a, b) => a - b);
  const evalRows = order.slice(cut).sort((a, b) => a - b);
  const pipeline = fitPipeline(ds, fitRows);
  const fx = matrix(transformRows(pipeline, ds, fitRows), pipeline.width);
  const ex = matrix(transformRows(pipeline, ds, evalRows), pipeline.width);
  const fy = pick(ds.target.values, fitRows);
  const ey = pick(ds.target.values, evalRows);

  const dir = mkdtempSync(join(tmpdir(), 'gbdt-bench-'));
  let sk: SkConfig[];
  try {
    writeCsv(join(dir, 'fit_x.csv'), fx);
    writeCsv(join(dir, 'fit_y.csv'), fy);
    writeCsv(join(dir, 'eval_x.csv'), ex);
    writeCsv(join(dir, 'eval_y.csv'), ey);
    const out = execFileSync('/usr/bin/python3', ['bench/python/hgb.py', dir, String(runs), ...iters.map(String)], { encoding: 'utf8' });
    sk = (JSON.parse(out) as { configs: SkConfig[] }).configs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`housing training rows: ${fx.rows} fit × ${fx.cols} features, ${ex.rows} eval rows; ${runs} timed runs after 1 warm-up`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`targets: time ratio ≤ 1.00, RMSE ≤ sklearn × ${(1 + RMSE_MARGIN).toFixed(3)}\n`);
  for (const cfg of sk) {
    const params: Partial<GbdtParams> = { max_iter: cfg.max_iter, learning_rate: 0.1, max_leaf_nodes: 31, min_samples_leaf: 20, max_bins: 255, l2_regularization: 0, early_stopping: false };
    const fit = () => gbdtLearner.fit(fx, fy, params, { task: 'regression', seed: SEED });
    const ours: Timing = await timeRuns(fit, runs);
    const oursRmse = rmse((await fit()).predict(ex), ey);
    const skTiming = summarize(cfg.fit_seconds);
    const ratio = ours.median / skTiming.median;
    const pass = ratio <= 1 && oursRmse <= cfg.eval_rmse * (1 + RMSE_MARGIN);
    printTable(
      [
        { side: 'sklearn', timing: skTiming, metric: cfg.eval_rmse, note: 'HistGradientBoostingRegressor' },
        { side: 'ours', timing: ours, metric: oursRmse, ratio, pass, note: `rmse ${((oursRmse / cfg.eval_rmse - 1) * 100).toFixed(2)}% vs sklearn` },
      ],
      { metricName: 'eval RMSE', title: `max_iter=${cfg.max_iter}, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, 255 bins, no early stopping` },
    );
    console.log('');
  }
}

await main();
