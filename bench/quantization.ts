/**
 * int8 quantization of dense models, for a linear model and an MLP trained on the housing
 * TRAINING rows (fit / eval split and bench pipeline of bench/lib/housing-rows.ts, as
 * gbdt-vs-sklearn.ts).
 *
 * 1. Sizes: what each storage choice costs in the whole `model.onnx` (names, Gemm vs MatMul + Add,
 *    scale granularity, bias storage, output naming), the int8/float ratio against the float file of
 *    the same layout, the dense layers' initializer bytes alone, eval RMSE in onnxruntime-web and
 *    its relative change vs float, and the largest web vs node (level 'basic') prediction gap.
 * 2. Runtimes: float vs QDQ vs dynamic quantization in onnxruntime-web and onnxruntime-node (at
 *    'basic', where node and web agree, and at 'all', where node fuses DQ+MatMul): eval RMSE, max
 *    relative prediction difference vs the in-process model, median latency at batch 1 and 1000.
 * 3. TFLite float and int8 through the device engine.
 * 4. Spec pipeline MLP: the MLP of firmware-models/housing/problem.yaml fitted through that spec's
 *    pipeline (no `scale` step) on its training rows, float and every INT8_LADDER rung scored on its
 *    validation rows, with the standardisation explicit (Sub / Div, as shipped) and folded into the
 *    first layer (the form before): bytes, int8/float ratio, validation RMSE and its change.
 *
 *   npx tsx bench/quantization.ts [--runs 200] [--hidden 64,64] [--only spec] [--spec path/to/problem.yaml]
 */
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import {
  INT8_LADDER,
  exportTflite,
  linearLearner,
  mlpLearner,
  quantizeDecision,
  rmse,
  type DenseQuant,
  type LinearSaved,
  type MlpSaved,
  type SavedModel,
} from '@outpost/trainer';
import {
  denseArtifact,
  layerBytes,
  linearLayers,
  loadHousing,
  mlpLayers,
  rawFeeds,
  rawRecords,
  SEED,
  type ArtifactOptions,
  type DenseLayerSpec,
  type HousingData,
} from './lib/dense-artifacts.ts';
import { timeRuns } from './lib/table.ts';
import { createTfliteEngine } from '@outpost/device';
import type { FeatureValue, Manifest } from '@outpost/protocol';
import { fitSpecMlp, ladder } from './lib/spec-mlp.ts';

type Ort = typeof ortWeb | typeof ortNode;
ortWeb.env.wasm.numThreads = 1;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

function feeds(ort: Ort, h: HousingData, rows: readonly number[]): Record<string, ortWeb.Tensor> {
  const out: Record<string, ortWeb.Tensor> = {};
  for (const [k, v] of Object.entries(rawFeeds(h, rows)))
    out[k] = new ort.Tensor(v.type, v.data, [rows.length, 1]) as ortWeb.Tensor;
  return out;
}

async function predict(
  ort: Ort,
  bytes: Uint8Array,
  input: Record<string, ortWeb.Tensor>,
  opt: 'basic' | 'all' = 'basic',
): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: opt });
  try {
    return (await s.run(input)).prediction?.data as Float32Array;
  } finally {
    await s.release();
  }
}

/** max |a − b| / max(1, |b|) */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  return m;
}

const pct = (v: number): string => `${(v * 100).toFixed(3)}%`;

interface SizeVariant {
  label: string;
  quant: DenseQuant;
  o: ArtifactOptions;
}

/** Storage choices, compared with the float file of the same layout (names, form, output). */
const SIZE_VARIANTS: SizeVariant[] = [
  { label: 'float, readable names, MatMul+Add', quant: 'float', o: { names: 'readable', form: 'matmul' } },
  { label: 'float, readable names', quant: 'float', o: { names: 'readable' } },
  { label: 'float (shipped)', quant: 'float', o: {} },
  {
    label: 'int8 per-channel, float bias, readable names, MatMul+Add',
    quant: 'int8-qdq',
    o: { granularity: 'per-channel', bias: 'float', names: 'readable', form: 'matmul' },
  },
  { label: 'int8 per-channel, float bias', quant: 'int8-qdq', o: { granularity: 'per-channel', bias: 'float' } },
  {
    label: 'int8 per-channel, float16 bias (ladder 3)',
    quant: 'int8-qdq',
    o: { granularity: 'per-channel', bias: 'float16' },
  },
  { label: 'int8 per-channel, int8 bias', quant: 'int8-qdq', o: { granularity: 'per-channel' } },
  { label: 'int8 per-tensor, float bias', quant: 'int8-qdq', o: { bias: 'float' } },
  { label: 'int8 per-tensor, float16 bias (ladder 2)', quant: 'int8-qdq', o: { bias: 'float16' } },
  { label: 'int8 per-tensor, int8 bias on its own scale', quant: 'int8-qdq', o: { shareScale: false } },
  { label: 'int8 per-tensor, int8 bias (ladder 1, default)', quant: 'int8-qdq', o: {} },
  { label: 'float, output through an Identity node', quant: 'float', o: { output: 'identity' } },
  { label: 'int8 ladder 1, output through an Identity node', quant: 'int8-qdq', o: { output: 'identity' } },
];

async function sizes(title: string, h: HousingData, layers: DenseLayerSpec[]): Promise<void> {
  const web = feeds(ortWeb, h, h.evalRows);
  const node = feeds(ortNode, h, h.evalRows);
  console.log(`\n${title}: sizes (int8 ratios against the float file of the same layout)`);
  console.log(
    [
      'variant',
      'bytes',
      'ratio',
      'gz ratio',
      'layer bytes',
      'layer ratio',
      'eval RMSE (web)',
      'Δ vs float',
      'max rel |web − node|',
      'decision',
    ].join(' | '),
  );
  for (const v of SIZE_VARIANTS) {
    const layout: ArtifactOptions = {
      ...(v.o.names ? { names: v.o.names } : {}),
      ...(v.o.form ? { form: v.o.form } : {}),
      ...(v.o.output ? { output: v.o.output } : {}),
    };
    const floatBytes = denseArtifact(h.pipeline, layers, 'float', layout);
    const floatRmse = rmse(await predict(ortWeb, floatBytes, web), h.ey);
    const bytes = denseArtifact(h.pipeline, layers, v.quant, v.o);
    const pw = await predict(ortWeb, bytes, web);
    const pn = await predict(ortNode, bytes, node);
    const e = rmse(pw, h.ey);
    const gz = (b: Uint8Array): number => gzipSync(b, { level: 9 }).length;
    const lb = layerBytes(h.pipeline, layers, v.quant, v.o);
    const d = quantizeDecision(floatRmse, e, 0.01, false, { float: floatBytes.length, int8: bytes.length });
    console.log(
      [
        v.label,
        bytes.length,
        (bytes.length / floatBytes.length).toFixed(4),
        (gz(bytes) / gz(floatBytes)).toFixed(3),
        lb,
        (lb / layerBytes(h.pipeline, layers, 'float', layout)).toFixed(3),
        e.toFixed(1),
        pct((e - floatRmse) / floatRmse),
        maxRel(pw, pn).toExponential(2),
        v.quant === 'float' ? '' : d.ship,
      ].join(' | '),
    );
  }
}

interface Variant {
  label: string;
  quant: DenseQuant;
  o: ArtifactOptions;
}

const VARIANTS: Variant[] = [
  { label: 'float', quant: 'float', o: {} },
  ...INT8_LADDER.map((storage, i): Variant => ({
    label: `ladder ${i + 1}: ${storage.granularity}, ${storage.bias} bias`,
    quant: storage,
    o: {},
  })),
  { label: 'dynamic, per-tensor, int8 bias', quant: 'int8-dynamic', o: {} },
];

const RUNTIMES: { label: string; ort: Ort; opt: 'basic' | 'all' }[] = [
  { label: 'web', ort: ortWeb, opt: 'basic' },
  { label: 'node basic', ort: ortNode, opt: 'basic' },
  { label: 'node all', ort: ortNode, opt: 'all' },
];

async function runtimes(
  title: string,
  h: HousingData,
  layers: DenseLayerSpec[],
  inProcess: Float64Array,
  runs: number,
): Promise<void> {
  const evalFeeds = new Map(RUNTIMES.map((r) => [r.label, feeds(r.ort, h, h.evalRows)]));
  const one = new Map(RUNTIMES.map((r) => [r.label, feeds(r.ort, h, h.evalRows.slice(0, 1))]));
  const thousand = new Map(RUNTIMES.map((r) => [r.label, feeds(r.ort, h, h.evalRows.slice(0, 1000))]));
  console.log(`\n${title}: runtimes; in-process eval RMSE ${rmse(inProcess, h.ey).toFixed(0)}`);
  console.log(
    [
      'variant',
      'runtime',
      'bytes',
      'eval RMSE',
      'Δ vs float',
      'max rel Δ pred vs in-process',
      'b1 µs',
      'b1000 µs',
    ].join(' | '),
  );
  const floatRmse = new Map<string, number>();
  for (const v of VARIANTS) {
    const bytes = denseArtifact(h.pipeline, layers, v.quant, v.o);
    for (const r of RUNTIMES) {
      const s = await r.ort.InferenceSession.create(bytes, { graphOptimizationLevel: r.opt });
      const pred = (await s.run(evalFeeds.get(r.label) as Record<string, ortWeb.Tensor>)).prediction
        ?.data as Float32Array;
      const e = rmse(pred, h.ey);
      if (v.quant === 'float') floatRmse.set(r.label, e);
      const b1 = await timeRuns(() => s.run(one.get(r.label) as Record<string, ortWeb.Tensor>), runs, { warmup: 20 });
      const b1000 = await timeRuns(
        () => s.run(thousand.get(r.label) as Record<string, ortWeb.Tensor>),
        Math.max(10, runs / 10),
        { warmup: 3 },
      );
      await s.release();
      const f = floatRmse.get(r.label) as number;
      console.log(
        [
          v.label,
          r.label,
          bytes.length,
          e.toFixed(1),
          pct((e - f) / f),
          maxRel(pred, inProcess).toExponential(2),
          (b1.median * 1e6).toFixed(0),
          (b1000.median * 1e6).toFixed(0),
        ].join(' | '),
      );
    }
  }
}

/** TFLite float and int8 (hybrid) through the device engine: size, eval RMSE, batch-1 latency. */
async function measureTflite(
  title: string,
  h: HousingData,
  source: SavedModel,
  onnxFloatBytes: number,
  runs: number,
): Promise<void> {
  const manifest = {
    name: 'bench',
    version: 1,
    predictionOutput: 'prediction',
    inputs: h.pipeline.inputs.map((i) => ({ name: i.name, type: i.kind === 'numeric' ? 'float' : 'string' })),
  } as unknown as Manifest;
  const rows = rawRecords(h, h.evalRows) as Record<string, FeatureValue>[];
  const engine = createTfliteEngine();
  console.log(`\n${title} as TFLite (device engine: input transform + runner, one row per infer)`);
  console.log(['variant', 'bytes', 'vs ONNX float', 'eval RMSE', 'b1 µs (engine.run)', 'b1000 µs'].join(' | '));
  let floatBytes = 0;
  for (const quant of ['float', 'int8'] as const) {
    const bytes = exportTflite(h.pipeline, source, { quant });
    if (quant === 'float') floatBytes = bytes.length;
    const session = await engine.load(bytes, manifest);
    const pred = (await session.run(rows)).predictions;
    const b1 = await timeRuns(() => session.run([rows[0] as Record<string, FeatureValue>]), runs, { warmup: 20 });
    const b1000 = await timeRuns(() => session.run(rows.slice(0, 1000)), Math.max(10, runs / 10), { warmup: 3 });
    await session.release();
    console.log(
      [
        `tflite ${quant}`,
        bytes.length,
        `${(bytes.length / onnxFloatBytes).toFixed(3)} (vs tflite float ${(bytes.length / floatBytes).toFixed(3)})`,
        rmse(pred, h.ey).toFixed(1),
        (b1.median * 1e6).toFixed(0),
        (b1000.median * 1e6).toFixed(0),
      ].join(' | '),
    );
  }
}

/** Section 4: the spec's MLP, explicit standardisation vs folded, every ladder rung. */
async function specPipelineMlp(specPath: string): Promise<void> {
  const m = await fitSpecMlp(specPath);
  console.log(
    `\nspec pipeline MLP (${specPath}): ${m.shape}, fitted on ${m.trainRows} training rows in ${m.fitSeconds.toFixed(1)} s; in-process validation RMSE ${m.inProcessRmse.toFixed(1)}; tolerance ${pct(m.explicit.quantizationTolerance)}`,
  );
  console.log(
    ['form', 'storage', 'bytes', 'int8/float', 'validation RMSE (web)', 'Δ vs float', 'decision'].join(' | '),
  );
  for (const [form, t] of [
    ['explicit (shipped)', m.explicit],
    ['folded (before)', m.folded],
  ] as const) {
    for (const r of await ladder(t))
      console.log(
        [
          form,
          r.storage,
          r.bytes,
          r.ratio.toFixed(3),
          r.rmse.toFixed(1),
          r.storage === 'float' ? '' : pct(r.change),
          r.decision,
        ].join(' | '),
      );
  }
}

async function main(): Promise<void> {
  if (arg('only', '') === 'spec') {
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    await specPipelineMlp(arg('spec', 'firmware-models/housing/problem.yaml'));
    console.log(
      `\nload average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    return;
  }
  const runs = Number(arg('runs', '200'));
  const hidden = arg('hidden', '64,64').split(',').map(Number);
  const h = loadHousing();
  console.log(
    `housing training rows: ${h.fx.rows} fit × ${h.fx.cols} features, ${h.ex.rows} eval rows; latency = median of ${runs} (batch 1) / ${Math.max(10, runs / 10)} (batch 1000) runs; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const linear = await linearLearner.fit(h.fx, h.fy, {}, { task: 'regression', seed: SEED });
  const linearJson = linear.toJSON() as LinearSaved;
  await sizes('linear (ridge)', h, linearLayers(linearJson));
  await runtimes('linear (ridge)', h, linearLayers(linearJson), linear.predict(h.ex), runs);
  await measureTflite(
    'linear (ridge)',
    h,
    linearJson,
    denseArtifact(h.pipeline, linearLayers(linearJson), 'float').length,
    runs,
  );
  const t0 = performance.now();
  const mlp = await mlpLearner.fit(
    h.fx,
    h.fy,
    { hidden_layer_sizes: hidden },
    { task: 'regression', seed: SEED, validation: { x: h.ex, y: h.ey } },
  );
  console.log(`\nmlp ${hidden.join('×')} trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const mlpJson = mlp.toJSON() as MlpSaved;
  const title = `mlp ${h.fx.cols}→${hidden.join('→')}→1`;
  await sizes(title, h, mlpLayers(mlpJson));
  await runtimes(title, h, mlpLayers(mlpJson), mlp.predict(h.ex), runs);
  await measureTflite(title, h, mlpJson, denseArtifact(h.pipeline, mlpLayers(mlpJson), 'float').length, runs);
  await specPipelineMlp(arg('spec', 'firmware-models/housing/problem.yaml'));
  console.log(
    `\nload average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
