/**
 * int8 quantization of dense models (issue 4 §3): float vs QDQ (DequantizeLinear → MatMul) vs
 * dynamic (DynamicQuantizeLinear + MatMulInteger), per-channel and per-tensor scales, for a linear
 * model and an MLP trained on the housing TRAINING rows (fit / eval split as gbdt-vs-sklearn.ts).
 * Each artifact runs in onnxruntime-web and onnxruntime-node (at 'basic', where node and web agree,
 * and at 'all', where node fuses DQ+MatMul): size (whole file, gzip, the layers alone), eval RMSE
 * and relative change vs float, max relative prediction difference vs the in-process model,
 * median latency at batch 1 and 1000.
 *
 *   npx tsx bench/quantization.ts [--runs 200] [--hidden 64,64]
 */
import { gzipSync } from 'node:zlib';
import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import { linearLearner } from '../trainer/src/models/linear.ts';
import { mlpLearner } from '../trainer/src/models/mlp/mlp.ts';
import type { DenseQuant } from '../trainer/src/onnx/dense.ts';
import type { QuantGranularity } from '../trainer/src/onnx/quantize.ts';
import { quantizeDecision } from '../trainer/src/onnx/quantize-decision.ts';
import { rmse } from '../trainer/src/stats.ts';
import { denseArtifact, layerBytes, linearLayers, loadHousing, mlpLayers, rawFeeds, SEED, type DenseLayerSpec, type HousingData } from './lib/dense-artifacts.ts';
import { timeRuns } from './lib/table.ts';
import { exportTflite, type TfliteSource } from '../trainer/src/tflite/export-tflite.ts';
import { createTfliteEngine } from '../device/src/inference/tflite/tflite-engine.ts';
import { rawRecord } from '../trainer/src/data/dataset.ts';
import type { FeatureValue, Manifest } from '@outpost/protocol';

type Ort = typeof ortWeb | typeof ortNode;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

function feeds(ort: Ort, h: HousingData, rows: readonly number[]): Record<string, ortWeb.Tensor> {
  const out: Record<string, ortWeb.Tensor> = {};
  for (const [k, v] of Object.entries(rawFeeds(h.ds, rows))) out[k] = new ort.Tensor(v.type, v.data, [rows.length, 1]) as ortWeb.Tensor;
  return out;
}

interface Variant {
  label: string;
  quant: DenseQuant;
  granularity: QuantGranularity;
}

const VARIANTS: Variant[] = [
  { label: 'float', quant: 'float', granularity: 'per-channel' },
  { label: 'qdq/channel', quant: 'int8-qdq', granularity: 'per-channel' },
  { label: 'qdq/tensor', quant: 'int8-qdq', granularity: 'per-tensor' },
  { label: 'dyn/channel', quant: 'int8-dynamic', granularity: 'per-channel' },
  { label: 'dyn/tensor', quant: 'int8-dynamic', granularity: 'per-tensor' },
];

const RUNTIMES: { label: string; ort: Ort; opt: 'basic' | 'all' }[] = [
  { label: 'web', ort: ortWeb, opt: 'basic' },
  { label: 'node basic', ort: ortNode, opt: 'basic' },
  { label: 'node all', ort: ortNode, opt: 'all' },
];

async function measure(title: string, h: HousingData, layers: DenseLayerSpec[], inProcess: Float64Array, runs: number): Promise<void> {
  const evalFeeds = new Map(RUNTIMES.map((r) => [r.label, feeds(r.ort, h, h.evalRows)]));
  const one = new Map(RUNTIMES.map((r) => [r.label, feeds(r.ort, h, h.evalRows.slice(0, 1))]));
  const thousand = new Map(RUNTIMES.map((r) => [r.label, feeds(r.ort, h, h.evalRows.slice(0, 1000))]));
  const floatBytes = denseArtifact(h.pipeline, layers, 'float');
  const floatSize = { whole: floatBytes.length, gz: gzipSync(floatBytes, { level: 9 }).length, layers: layerBytes(floatBytes) };
  console.log(`\n${title}: in-process eval RMSE ${rmse(inProcess, h.ey).toFixed(0)}`);
  console.log(['variant', 'runtime', 'bytes', 'ratio', 'gz ratio', 'layer bytes', 'layer ratio', 'eval RMSE', 'Δ vs float', 'max rel Δ pred', 'b1 µs', 'b1000 µs', 'decision'].join(' | '));
  const floatRmse = new Map<string, number>();
  for (const v of VARIANTS) {
    const bytes = denseArtifact(h.pipeline, layers, v.quant, v.granularity);
    const size = { whole: bytes.length, gz: gzipSync(bytes, { level: 9 }).length, layers: layerBytes(bytes) };
    for (const r of RUNTIMES) {
      const s = await r.ort.InferenceSession.create(bytes, { graphOptimizationLevel: r.opt });
      const pred = (await s.run(evalFeeds.get(r.label) as Record<string, ortWeb.Tensor>)).prediction?.data as Float32Array;
      const e = rmse(pred, h.ey);
      if (v.quant === 'float') floatRmse.set(r.label, e);
      let maxRel = 0;
      for (let i = 0; i < pred.length; i++) maxRel = Math.max(maxRel, Math.abs((pred[i] as number) - (inProcess[i] as number)) / Math.max(1, Math.abs(inProcess[i] as number)));
      const b1 = await timeRuns(() => s.run(one.get(r.label) as Record<string, ortWeb.Tensor>), runs, { warmup: 20 });
      const b1000 = await timeRuns(() => s.run(thousand.get(r.label) as Record<string, ortWeb.Tensor>), Math.max(10, runs / 10), { warmup: 3 });
      await s.release();
      const f = floatRmse.get(r.label) as number;
      const d = quantizeDecision(f, e, 0.01, false, { float: floatSize.whole, int8: size.whole });
      console.log([
        v.label, r.label, size.whole, (size.whole / floatSize.whole).toFixed(3), (size.gz / floatSize.gz).toFixed(3), size.layers, (size.layers / floatSize.layers).toFixed(3),
        e.toFixed(1), `${(((e - f) / f) * 100).toFixed(3)}%`, maxRel.toExponential(2), (b1.median * 1e6).toFixed(0), (b1000.median * 1e6).toFixed(0), v.quant === 'float' ? '' : d.ship,
      ].join(' | '));
    }
  }
}

/** TFLite float and int8 (hybrid) through the device engine: size, eval RMSE, batch-1 latency. */
async function measureTflite(title: string, h: HousingData, source: TfliteSource, onnxFloatBytes: number, runs: number): Promise<void> {
  const manifest = { name: 'bench', version: 1, predictionOutput: 'prediction', inputs: h.ds.features.map((c) => ({ name: c.name, type: c.kind === 'numeric' ? 'float' : 'string' })) } as unknown as Manifest;
  const rows = h.evalRows.map((r) => rawRecord(h.ds, r) as Record<string, FeatureValue>);
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
    console.log([`tflite ${quant}`, bytes.length, `${(bytes.length / onnxFloatBytes).toFixed(3)} (vs tflite float ${(bytes.length / floatBytes).toFixed(3)})`, rmse(pred, h.ey).toFixed(1), (b1.median * 1e6).toFixed(0), (b1000.median * 1e6).toFixed(0)].join(' | '));
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '200'));
  const hidden = arg('hidden', '64,64').split(',').map(Number);
  const h = loadHousing();
  console.log(`housing training rows: ${h.fx.rows} fit × ${h.fx.cols} features, ${h.ex.rows} eval rows; latency = median of ${runs} (batch 1) / ${Math.max(10, runs / 10)} (batch 1000) runs`);
  const linear = await linearLearner.fit(h.fx, h.fy, {}, { task: 'regression', seed: SEED });
  const linearJson = linear.toJSON() as { weights: number[]; intercept: number };
  await measure('linear (ridge)', h, linearLayers(linearJson), linear.predict(h.ex), runs);
  await measureTflite('linear (ridge)', h, { kind: 'linear', json: linearJson }, denseArtifact(h.pipeline, linearLayers(linearJson), 'float').length, runs);
  const t0 = performance.now();
  const mlp = await mlpLearner.fit(h.fx, h.fy, { hidden_layer_sizes: hidden }, { task: 'regression', seed: SEED, validation: { x: h.ex, y: h.ey } });
  console.log(`\nmlp ${hidden.join('×')} trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const mlpJson = mlp.toJSON() as Parameters<typeof mlpLayers>[0];
  await measure(`mlp ${h.fx.cols}→${hidden.join('→')}→1`, h, mlpLayers(mlpJson), mlp.predict(h.ex), runs);
  await measureTflite(`mlp ${h.fx.cols}→${hidden.join('→')}→1`, h, { kind: 'mlp', json: mlpJson as TfliteSource['json'] & { layers: unknown[] } } as TfliteSource, denseArtifact(h.pipeline, mlpLayers(mlpJson), 'float').length, runs);
}

await main();
