/**
 * Random-forest fit time and error against scikit-learn's RandomForestRegressor on two cases:
 *
 * - **housing**: the housing TRAINING rows (the held-out test rows are never read here), split
 *   80/20 (seeded) into fit / eval rows, the preprocessing pipeline fitted on the fit rows;
 * - **smooth**: a smooth synthetic sensor relationship (8,000 rows, 4 continuous readings,
 *   y = 3·sin(x1) + 0.5·x2² − x3·x4 + noise) split 80/20 the same way — the case where splitting on
 *   255 quantile bins instead of exact thresholds cost ~50% RMSE.
 *
 *   npx tsx bench/forest-vs-sklearn.ts [--runs 3] [--case housing|smooth]
 *
 * Both sides read the same design matrices (CSV files) and fit 100 trees on 2 threads (sklearn:
 * n_jobs=2, random_state=0, defaults otherwise: fully grown trees, max_features=1.0, bootstrap;
 * ours splits on exact thresholds too: a bin per distinct training value, binner.ts). Targets, per
 * case: eval RMSE within 2% of sklearn's (ratio ≤ 1.02; the bootstrap draws differ) and median fit
 * time ≤ 1.0× sklearn's, measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { forestLearner, mulberry32, rmse, treeNodeCount, type ForestModel } from '@outpost/trainer';
import { loadHousing, SEED, writeMatrixCsv } from './lib/housing-rows.ts';
import { printTable, summarize, timeRuns } from './lib/table.ts';

interface SkResult {
  sklearn: string;
  fit_seconds: number[];
  eval_rmse: number;
  nodes: number;
}

interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

interface Case {
  name: string;
  fx: Matrix;
  ex: Matrix;
  fy: Float64Array;
  ey: Float64Array;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

/** The smooth synthetic case: 8,000 rows, 80% fit / 20% eval, seeded. */
function smoothCase(n = 8000): Case {
  const rng = mulberry32(2024);
  const gauss = (): number => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
  const cols = 4;
  const x = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = Array.from({ length: cols }, () => rng() * 6 - 3);
    r.forEach((v, c) => (x[i * cols + c] = v));
    const [x1, x2, x3, x4] = r as [number, number, number, number];
    y[i] = 3 * Math.sin(x1) + 0.5 * x2 * x2 - x3 * x4 + 0.3 * gauss();
  }
  const nFit = Math.round(0.8 * n);
  const rows = (from: number, to: number): Matrix => ({
    data: x.slice(from * cols, to * cols),
    rows: to - from,
    cols,
  });
  return { name: 'smooth', fx: rows(0, nFit), ex: rows(nFit, n), fy: y.slice(0, nFit), ey: y.slice(nFit) };
}

async function compare(c: Case, runs: number): Promise<void> {
  const { fx, ex, fy, ey } = c;
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
  const errorRatio = oursRmse / sk.eval_rmse;

  console.log(
    `\n${c.name}: ${fx.rows} fit × ${fx.cols} features, ${ex.rows} eval rows; ${runs} timed runs after 1 warm-up on each side`,
  );
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
        pass: ratio <= 1 && errorRatio <= 1.02,
        note: `rmse ratio ${errorRatio.toFixed(4)} (target ≤ 1.02), oob rmse ${m.oobScore.toPrecision(5)}, ${treeNodeCount(m.ensemble)} nodes, ${m.workerTrees} trees on the worker`,
      },
    ],
    { metricName: 'eval RMSE', title: `${c.name}: n_estimators=100, n_jobs=2, fully grown trees, max_features=1.0` },
  );
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const only = arg('case', '');
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log('targets per case: eval RMSE ≤ 1.02× sklearn, median fit time ≤ 1.00× sklearn');
  if (only === '' || only === 'housing') {
    const h = loadHousing();
    await compare({ name: 'housing', fx: h.fx, ex: h.ex, fy: h.fy, ey: h.ey }, runs);
  }
  if (only === '' || only === 'smooth') await compare(smoothCase(), runs);
}

await main();
