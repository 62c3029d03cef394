/**
 * Tree-ensemble artifact size: what each compaction option buys in bytes
 * (model.onnx, gzip -9) and costs in max relative prediction change, on a housing forest
 * (100 trees) and GBDT (300 iterations) fitted on the housing TRAINING rows (fit rows of the
 * seeded 80/20 split and bench pipeline, bench/lib/housing-rows.ts; the locked test rows are never read).
 * Predictions: 1000 fit rows, in onnxruntime-web and onnxruntime-node, each variant against the
 * uncompacted double-precision export in the same runtime.
 *
 *   npx tsx bench/tree-compaction.ts [--trees 100] [--iters 300] [--rows 1000]
 */
import { cpus, loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import onnxProto from 'onnx-proto';
import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import {
  GraphBuilder,
  compactEnsemble,
  emitPreprocessing,
  ensembleOf,
  forestLearner,
  gbdtLearner,
  treeHead,
  type FittedModel,
  type HeadContext,
  type TreeExportOptions,
} from '@outpost/trainer';
import { loadHousing, rawFeeds, SEED, type HousingData } from './lib/housing-rows.ts';

const { onnx } = onnxProto;
type Ort = typeof ortWeb | typeof ortNode;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

/** raw inputs → the bench pipeline → tree head → `prediction`. */
function treeArtifact(h: HousingData, model: FittedModel, trees: TreeExportOptions): Uint8Array {
  const g = new GraphBuilder('trees');
  const design = emitPreprocessing(g, h.pipeline);
  const tensorAttrs: HeadContext['tensorAttrs'] = new Map();
  const head = treeHead(
    { g, task: 'regression', width: h.pipeline.features.length, classes: 1, prefix: 'model', tensorAttrs, trees },
    design,
    model.toJSON(),
  );
  g.node('Identity', [head], { outputs: ['prediction'] });
  g.output('prediction', 'float', ['N', 1]);
  const proto = g.model();
  for (const node of proto.graph?.node ?? []) {
    const extra = tensorAttrs.get(node.output?.[0] ?? '');
    if (extra) node.attribute = [...(node.attribute ?? []), ...extra];
  }
  return onnx.ModelProto.encode(proto).finish();
}

async function predict(ort: Ort, bytes: Uint8Array, h: HousingData, rows: readonly number[]): Promise<Float32Array> {
  const feeds: Record<string, ortWeb.Tensor> = {};
  for (const [k, v] of Object.entries(rawFeeds(h, rows)))
    feeds[k] = new ort.Tensor(v.type, v.data, [rows.length, 1]) as ortWeb.Tensor;
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' });
  const out = (await s.run(feeds)).prediction?.data as Float32Array;
  await s.release();
  return out;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++)
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return worst;
}

async function report(
  title: string,
  h: HousingData,
  model: FittedModel,
  rows: readonly number[],
  meanY: number,
  sumOfTrees: number,
): Promise<void> {
  const e = ensembleOf(model.toJSON());
  const variants: [string, TreeExportOptions][] = [
    ['none (double thresholds and leaves)', { compact: false, thresholds: 'float64' }],
    ['(b) drop splits decided by ancestors', { compact: { dropImpliedSplits: true }, thresholds: 'float64' }],
    ['(a) merge equal sibling leaves', { compact: { mergeEqualLeaves: true }, thresholds: 'float64' }],
    ['(a)+(b)', { thresholds: 'float64' }],
    ['(a)+(b)+float32 thresholds, rounded down [EXPORT DEFAULT]', {}],
    ['(c) + float32 leaves, summed in double', { leaves: 'float32' }],
    ['(c) all float32 (no Cast, float sums)', { compute: 'float' }],
  ];
  // Tolerance merges: |a − b| ≤ r·mean(y) per leaf pair, scaled by trees for a sum (GBDT).
  for (const r of [1e-3, 1e-2])
    variants.push([
      `(d) merge leaves within ${r}·mean(y)${sumOfTrees > 1 ? '/trees' : ''} + default`,
      { compact: { dropImpliedSplits: true, mergeEqualLeaves: true, mergeTolerance: (r * meanY) / sumOfTrees } },
    ]);
  const base = treeArtifact(h, model, { compact: false, thresholds: 'float64' });
  const basePred = { web: await predict(ortWeb, base, h, rows), node: await predict(ortNode, base, h, rows) };
  console.log(`\n${title}: ${e.trees.length} trees, ${e.trees.reduce((s, t) => s + t.feature.length, 0)} nodes`);
  console.log(
    ['option', 'nodes', 'bytes', 'ratio', 'gzip bytes', 'gzip ratio', 'max rel Δ web', 'max rel Δ node'].join(' | '),
  );
  for (const [label, o] of variants) {
    const bytes = treeArtifact(h, model, o);
    const nodes =
      o.compact === false
        ? compactEnsemble(e, {}).stats.nodesAfter
        : compactEnsemble(e, o.compact ?? { dropImpliedSplits: true, mergeEqualLeaves: true }).stats.nodesAfter;
    const gz = gzipSync(bytes, { level: 9 }).length;
    const web = maxRel(await predict(ortWeb, bytes, h, rows), basePred.web);
    const node = maxRel(await predict(ortNode, bytes, h, rows), basePred.node);
    console.log(
      [
        label,
        nodes,
        bytes.length,
        (bytes.length / base.length).toFixed(3),
        gz,
        (gz / gzipSync(base, { level: 9 }).length).toFixed(3),
        web.toExponential(2),
        node.toExponential(2),
      ].join(' | '),
    );
  }
}

async function main(): Promise<void> {
  const trees = Number(arg('trees', '100'));
  const iters = Number(arg('iters', '300'));
  const n = Number(arg('rows', '1000'));
  ortWeb.env.wasm.numThreads = 1;
  const h = loadHousing();
  const rows = h.fitRows.slice(0, n);
  let meanY = 0;
  for (const v of h.fy) meanY += v / h.fy.length;
  console.log(
    `housing training rows: ${h.fx.rows} fit × ${h.fx.cols} features; predictions on ${rows.length} fit rows`,
  );
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    'max rel Δ: |variant − uncompacted double export| / max(1, |uncompacted|), same runtime (basic optimisation)',
  );
  const forest = await forestLearner.fit(
    h.fx,
    h.fy,
    { n_estimators: trees, n_jobs: 2 },
    { task: 'regression', seed: SEED },
  );
  await report(`forest (${trees} trees)`, h, forest, rows, meanY, 1);
  const gbdt = await gbdtLearner.fit(
    h.fx,
    h.fy,
    { max_iter: iters, learning_rate: 0.1, max_leaf_nodes: 31, min_samples_leaf: 20, early_stopping: false },
    { task: 'regression', seed: SEED },
  );
  await report(`GBDT (${iters} iterations)`, h, gbdt, rows, meanY, iters);
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
