/**
 * Housing data and dense-model ONNX artifacts for the quantization / TFLite benches: the same
 * split as gbdt-vs-sklearn.ts (training rows only, split 80/20 seeded into fit / eval rows; the
 * locked test rows are never read), preprocessing inside the graph, layers via emitDense.
 */
import { fileURLToPath } from 'node:url';
import { loadDatasetFile, type Dataset } from '../../trainer/src/data/dataset.ts';
import { incomeCategory, stratifiedSplit } from '../../trainer/src/data/split.ts';
import { HOUSING } from '../../trainer/src/housing.ts';
import { matrix, type Matrix } from '../../trainer/src/models/learner.ts';
import { fitPipeline, transformRows, type Pipeline } from '../../trainer/src/preprocess/pipeline.ts';
import { mulberry32, shuffled } from '../../trainer/src/random.ts';
import { pick } from '../../trainer/src/stats.ts';
import { addPreprocessing } from '../../trainer/src/onnx/export-linear.ts';
import { GraphBuilder, decodeModel } from '../../trainer/src/onnx/graph-builder.ts';
import { emitDense, type DenseActivation, type DenseQuant } from '../../trainer/src/onnx/dense.ts';
import type { QuantGranularity } from '../../trainer/src/onnx/quantize.ts';

const HOUSING_CSV = fileURLToPath(new URL('../../trainer/datasets/california-housing/housing.csv', import.meta.url));
export const SEED = 42;

export interface HousingData {
  ds: Dataset;
  pipeline: Pipeline;
  fitRows: number[];
  evalRows: number[];
  fx: Matrix;
  ex: Matrix;
  fy: Float64Array;
  ey: Float64Array;
}

export function loadHousing(): HousingData {
  const ds = loadDatasetFile(HOUSING_CSV, { target: HOUSING.target, expectNumeric: HOUSING.numeric });
  const income = ds.features.find((c) => c.name === HOUSING.stratifyOn);
  const strata = income?.kind === 'numeric' ? Array.from(income.values, incomeCategory) : [];
  const { train } = stratifiedSplit(strata, HOUSING.testFraction, SEED);
  const order = shuffled(train, mulberry32(SEED + 1));
  const cut = Math.round(order.length * 0.8);
  const fitRows = order.slice(0, cut).sort((a, b) => a - b);
  const evalRows = order.slice(cut).sort((a, b) => a - b);
  const pipeline = fitPipeline(ds, fitRows);
  return {
    ds, pipeline, fitRows, evalRows,
    fx: matrix(transformRows(pipeline, ds, fitRows), pipeline.width),
    ex: matrix(transformRows(pipeline, ds, evalRows), pipeline.width),
    fy: pick(ds.target.values, fitRows),
    ey: pick(ds.target.values, evalRows),
  };
}

/** Raw graph inputs for `rows`: one [n, 1] column per feature (numbers as float32, strings). */
export function rawFeeds(ds: Dataset, rows: readonly number[]): Record<string, { type: 'float32'; data: Float32Array } | { type: 'string'; data: string[] }> {
  const feeds: Record<string, { type: 'float32'; data: Float32Array } | { type: 'string'; data: string[] }> = {};
  for (const c of ds.features) {
    if (c.kind === 'numeric') feeds[c.name] = { type: 'float32', data: Float32Array.from(rows, (r) => c.values[r] as number) };
    else feeds[c.name] = { type: 'string', data: rows.map((r) => c.values[r] as string) };
  }
  return feeds;
}

export interface DenseLayerSpec {
  weights: Float64Array;
  bias: Float64Array;
  in: number;
  out: number;
  activation: DenseActivation;
}

/** MLP layers from toJSON, with the regression target scaling folded into the last layer. */
export function mlpLayers(json: { layers: { weights: number[]; bias: number[]; activation: DenseActivation }[]; yMean?: number; yStd?: number }): DenseLayerSpec[] {
  return json.layers.map((l, i) => {
    const out = l.bias.length;
    const last = i === json.layers.length - 1;
    const s = last && json.yStd !== undefined ? json.yStd : 1;
    const m = last && json.yMean !== undefined ? json.yMean : 0;
    return { weights: Float64Array.from(l.weights, (w) => w * s), bias: Float64Array.from(l.bias, (b) => b * s + m), in: l.weights.length / out, out, activation: l.activation };
  });
}

export function linearLayers(json: { weights: number[]; intercept: number }): DenseLayerSpec[] {
  return [{ weights: Float64Array.from(json.weights), bias: Float64Array.from([json.intercept]), in: json.weights.length, out: 1, activation: 'identity' }];
}

/** raw inputs → preprocessing → dense layers → `prediction` [N, out]. */
export function denseArtifact(pipeline: Pipeline, layers: readonly DenseLayerSpec[], quant: DenseQuant, granularity: QuantGranularity = 'per-channel'): Uint8Array {
  const g = new GraphBuilder('dense');
  let x = addPreprocessing(g, pipeline);
  layers.forEach((l, i) => {
    x = emitDense(g, x, l.weights, l.bias, { in: l.in, out: l.out, activation: l.activation, quant, name: `layer${i}`, granularity });
  });
  g.node('Identity', [x], { outputs: ['prediction'] });
  g.output('prediction', 'float', ['N', (layers[layers.length - 1] as DenseLayerSpec).out]);
  return g.toBytes();
}

/** Bytes of the dense layers' initializers (weights, scales, biases) as stored in the file. */
export function layerBytes(model: Uint8Array): number {
  let n = 0;
  for (const t of decodeModel(model).graph?.initializer ?? []) {
    if (!t.name?.startsWith('layer')) continue;
    n += (t.rawData?.length ?? 0) + 4 * (t.floatData?.length ?? 0);
  }
  return n;
}
