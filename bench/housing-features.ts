/**
 * What the `cluster_similarity` feature step buys GBDT on housing: 5-fold CV RMSE of the housing
 * spec's own feature steps, with and without similarity to k-means centres of (latitude, longitude),
 * on the TRAINING rows of the spec's split (the locked test rows are never opened; the validation
 * rows are left out too, as in `outpost train`'s CV).
 *
 *   npx tsx bench/housing-features.ts [--folds 5] [--iters 300] [--grid 10:0.5,10:1,10:2,15:0.5,15:1,15:2]
 *
 * Every configuration uses the same folds, refits the whole pipeline (k-means included) inside each
 * fold, and fits GBDT (learning_rate 0.1, other parameters at their defaults). The table shows the
 * CV RMSE mean ± std over folds, the mean fold-by-fold difference from the spec's steps (± its std:
 * the folds are shared, so this is the figure to read), the seconds spent fitting pipelines, and the
 * total seconds.
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  FeatureStep,
  column,
  crossValidate,
  encodeTarget,
  foldDesigns,
  gbdtLearner,
  kFolds,
  loadSpec,
  loadSpecData,
  specFeatureColumns,
  splitAndLock,
  summarise,
  type Candidate,
  type Column,
  type Learner,
  type NumericColumn,
  type Params,
  type RunData,
} from '@outpost/trainer';

const SPEC = fileURLToPath(new URL('../firmware-models/housing/problem.yaml', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

interface Config {
  label: string;
  extra: FeatureStep[];
}

async function main(): Promise<void> {
  const folds = Number(arg('folds', '5'));
  const iters = Number(arg('iters', '300'));
  const grid = arg('grid', '10:0.5,10:1,10:2,15:0.5,15:1,15:2')
    .split(',')
    .map((g) => g.split(':').map(Number) as [number, number]);

  const loaded = loadSpec(SPEC);
  const { spec } = loaded;
  const split = splitAndLock(loadSpecData(loaded), spec);
  const target: NumericColumn = {
    kind: 'numeric',
    name: spec.target.column,
    values: encodeTarget(split.table, spec).values,
  };
  const columns: Column[] = specFeatureColumns(
    spec,
    split.table.columns.map((c) => c.name),
  ).map((n) => column(split.table, n));
  const cvFolds = kFolds(split.train, folds, spec.seed);

  const configs: Config[] = [
    { label: 'spec steps', extra: [] },
    ...grid.map(([k, gamma]): Config => ({
      label: `+ geo k=${k} γ=${gamma}`,
      extra: [
        FeatureStep.parse({
          op: 'cluster_similarity',
          name: 'geo',
          columns: ['latitude', 'longitude'],
          k,
          gamma,
          seed: spec.seed,
        }),
      ],
    })),
  ];
  const params: Params = { max_iter: iters, learning_rate: 0.1 };
  const candidate: Candidate = { name: 'gbdt', learner: gbdtLearner as unknown as Learner<Params>, params, grid: {} };

  console.log(
    `housing spec: ${split.train.length} training rows (${split.validation.length} validation and ${split.test.rowCount} locked test rows not read), ${folds}-fold CV`,
  );
  console.log(`GBDT max_iter=${iters}, learning_rate=0.1, other parameters default; seed ${spec.seed}`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );

  const head = ['features', 'width', 'CV RMSE mean', '± std', 'Δ vs spec (paired)', 'pipeline s', 'total s'];
  const rows: string[][] = [];
  let base: number[] | undefined;
  for (const c of configs) {
    const started = performance.now();
    const data: RunData = {
      spec: { ...spec, feature_steps: [...spec.feature_steps, ...c.extra] },
      table: split.table,
      columns,
      target,
    };
    const designs = foldDesigns(data, cvFolds);
    const pipelineSeconds = (performance.now() - started) / 1000;
    const r = await crossValidate(data, designs, candidate, params, spec.seed);
    const total = (performance.now() - started) / 1000;
    base ??= r.folds;
    const diff = summarise(r.folds.map((v, f) => v - ((base as number[])[f] as number)));
    rows.push([
      c.label,
      String(designs[0]?.pipeline.features.length ?? 0),
      r.mean.toFixed(0),
      r.std.toFixed(0),
      c.extra.length === 0 ? '' : `${diff.mean >= 0 ? '+' : ''}${diff.mean.toFixed(0)} ± ${diff.std.toFixed(0)}`,
      pipelineSeconds.toFixed(2),
      total.toFixed(1),
    ]);
    console.error(`${c.label}: ${r.mean.toFixed(0)} (${total.toFixed(1)} s)`);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    cells.map((s, i) => (i === 0 ? s.padEnd(widths[i] as number) : s.padStart(widths[i] as number))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
