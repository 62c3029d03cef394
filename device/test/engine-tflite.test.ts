/**
 * The TFLite engine end to end on a small fitted pipeline (median impute of two numeric inputs,
 * one-hot of a string input, standard scaling): .tflite files written by the trainer for a linear
 * model and an MLP run through tfjs-tflite (behind the Node shim) and give the ONNX model's
 * predictions (same weights, the same pipeline as graph nodes, onnxruntime-web) within 1e-5
 * relative — float weights, and int8 weights behind DEQUANTIZE against ONNX's QDQ; hybrid int8
 * files within the stated tolerance. The input transform: its format, and a step kind the device
 * does not know failing with a coded error. Spec-built artifacts: engine-tflite-spec.test.ts.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  INPUT_TRANSFORM_FORMAT,
  PipelineErrorCodes,
  SPEC_PIPELINE_FORMAT,
  isOutpostError,
  parsePipeline,
  type FeatureValue,
  type InputTransform,
  type Manifest,
} from '@outpost/protocol';
import { DeviceErrorCodes } from '../src/index.ts';
// Trainer-side writers: a test-only dependency (device/src never imports the trainer).
import {
  GraphBuilder,
  emitDense,
  emitPreprocessing,
  exportTflite,
  inputTransform,
  tfliteLayers,
  type DenseQuant,
  type SpecPipeline,
  type TfliteSource,
  // The writer itself, to put a hand-made transform into a .tflite file.
  writeTflite,
} from '@outpost/trainer';
import { createTfliteEngine } from '../src/inference/tflite/tflite-engine.ts';
import { designRows } from '../src/inference/tflite/input-transform.ts';
import { readTfliteMetadata } from '../src/inference/tflite/tflite-metadata.ts';

/** A fitted pipeline as a spec run writes it (checked by the device's own parser). */
const PIPELINE = parsePipeline(
  {
    format: SPEC_PIPELINE_FORMAT,
    inputs: [
      { name: 'a', kind: 'numeric' },
      { name: 'b', kind: 'numeric' },
      { name: 'c', kind: 'categorical' },
    ],
    steps: [
      { op: 'impute', column: 'a', kind: 'numeric', fill: 2, indicator: null },
      { op: 'impute', column: 'b', kind: 'numeric', fill: -30, indicator: null },
      { op: 'onehot', column: 'c', categories: ['p', 'q', 'r'] },
      { op: 'scale', mean: [1.5, -25, 0, 0, 0], std: [2.5, 40, 1, 1, 1] },
    ],
    features: ['a', 'b', 'c=p', 'c=q', 'c=r'],
  },
  'test pipeline',
) as unknown as SpecPipeline;

/** Seeded uniform [0, 1) numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MANIFEST = {
  name: 'tflite-test',
  version: 1,
  predictionOutput: 'prediction',
  inputs: [
    { name: 'a', type: 'float' },
    { name: 'b', type: 'float' },
    { name: 'c', type: 'string', categories: ['p', 'q', 'r'] },
  ],
} as unknown as Manifest;

function randoms(n: number, seed: number, scale: number): number[] {
  const next = rng(seed);
  return Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

const LINEAR: TfliteSource = { kind: 'linear', weights: randoms(5, 1, 3), intercept: 12.5 };
const MLP: TfliteSource = {
  kind: 'mlp',
  layers: [
    { weights: randoms(5 * 16, 2, 0.6), bias: randoms(16, 3, 0.2), activation: 'relu' },
    { weights: randoms(16 * 8, 4, 0.4), bias: randoms(8, 5, 0.2), activation: 'relu' },
    { weights: randoms(8, 6, 0.5), bias: [0.1], activation: 'identity' },
  ],
  yMean: 200000,
  yStd: 90000,
};
const BINARY: TfliteSource = {
  kind: 'mlp',
  layers: [
    { weights: randoms(5 * 4, 7, 1), bias: randoms(4, 8, 0.3), activation: 'relu' },
    { weights: randoms(4, 9, 1), bias: [0], activation: 'sigmoid' },
  ],
};

const rowRng = rng(11);
const ROWS: Record<string, FeatureValue>[] = [
  ...Array.from({ length: 40 }, (_, i) => ({
    a: (rowRng() - 0.3) * 8,
    b: (rowRng() - 0.5) * 120,
    c: ['p', 'q', 'r'][i % 3] as string,
  })),
  { a: null, b: 3, c: 'q' },
  { a: 1, b: null, c: 'unseen' },
  { a: 1, b: 2, c: null },
  { a: 'text', b: 2, c: 'p' },
];

function onnxModel(source: TfliteSource, quant: DenseQuant = 'float'): Uint8Array {
  const g = new GraphBuilder('tflite-parity');
  let x = emitPreprocessing(g, PIPELINE);
  tfliteLayers(source).forEach((l, i) => {
    const activation = l.activation === 'binary' ? 'identity' : l.activation;
    // Float biases on both sides: the comparison is about the weights.
    x = emitDense(g, x, Float64Array.from(l.weights), Float64Array.from(l.bias), {
      in: l.in,
      out: l.out,
      activation,
      name: `layer${i}`,
      quant,
      bias: 'float',
    });
  });
  g.node('Identity', [x], { outputs: ['prediction'] });
  g.output('prediction', 'float', ['N', 1]);
  return g.toBytes();
}

async function onnxPredict(
  source: TfliteSource,
  rows: Record<string, FeatureValue>[],
  quant: DenseQuant = 'float',
): Promise<number[]> {
  const session = await ort.InferenceSession.create(onnxModel(source, quant));
  const n = rows.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of ['a', 'b'])
    feeds[name] = new ort.Tensor(
      'float32',
      Float32Array.from(rows, (r) => (typeof r[name] === 'number' ? (r[name] as number) : NaN)),
      [n, 1],
    );
  feeds.c = new ort.Tensor(
    'string',
    rows.map((r) => (typeof r.c === 'string' ? r.c : '')),
    [n, 1],
  );
  const out = Array.from((await session.run(feeds)).prediction?.data as Float32Array);
  await session.release();
  return out;
}

function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  a.forEach((v, i) => {
    m = Math.max(m, Math.abs(v - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number)));
  });
  return m;
}

describe('TFLite engine (tfjs-tflite behind the Node shim)', () => {
  const engine = createTfliteEngine();

  for (const [label, source] of [
    ['linear', LINEAR],
    ['mlp', MLP],
    ['mlp binary (sigmoid)', BINARY],
  ] as const) {
    it(`${label}: float .tflite predicts as the ONNX artifact within 1e-5 relative`, async () => {
      const session = await engine.load(exportTflite(PIPELINE, source), MANIFEST);
      const { predictions, outputs } = await session.run(ROWS);
      const want = await onnxPredict(source, ROWS);
      expect(predictions).toHaveLength(ROWS.length);
      expect(maxRelDiff(predictions, want)).toBeLessThan(1e-5);
      expect(Array.from(outputs.prediction as Float32Array)).toEqual(predictions);
      await session.release();
    });
  }

  it('int8 weights behind DEQUANTIZE (per-channel scales) predict as ONNX int8 QDQ within 1e-5 relative', async () => {
    for (const source of [LINEAR, MLP]) {
      const session = await engine.load(exportTflite(PIPELINE, source, { quant: 'int8-weights' }), MANIFEST);
      const got = (await session.run(ROWS)).predictions;
      const want = await onnxPredict(source, ROWS, 'int8-qdq-per-channel');
      expect(maxRelDiff(got, want)).toBeLessThan(1e-5);
      expect(maxRelDiff(got, await onnxPredict(source, ROWS))).toBeGreaterThan(1e-6); // really quantized
      await session.release();
    }
  });

  it('int8-weight (hybrid) .tflite stays within 2% of the float prediction scale', async () => {
    for (const source of [LINEAR, MLP]) {
      const session = await engine.load(exportTflite(PIPELINE, source, { quant: 'int8' }), MANIFEST);
      const got = (await session.run(ROWS)).predictions;
      const want = await onnxPredict(source, ROWS);
      // Relative to the spread of the predictions: int8 weights and per-row int8 inputs.
      const spread = Math.max(...want) - Math.min(...want);
      got.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(0.02 * spread));
      expect(maxRelDiff(got, want)).toBeGreaterThan(0); // really quantized
      await session.release();
    }
  });

  it('batch of 1 repeatedly and concurrent runs give the same answers as one batch', async () => {
    const session = await engine.load(exportTflite(PIPELINE, MLP), MANIFEST);
    const all = (await session.run(ROWS)).predictions;
    const ones = await Promise.all(ROWS.slice(0, 10).map((r) => session.run([r])));
    ones.forEach((res, i) => expect(res.predictions[0]).toBe(all[i]));
    await session.release();
  });

  it('refuses bytes that are not a .tflite file, or inputs the manifest lacks', async () => {
    const bytes = exportTflite(PIPELINE, LINEAR);
    await expect(engine.load(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), MANIFEST)).rejects.toSatisfy(
      (e: unknown) => isOutpostError(e) && e.code === DeviceErrorCodes.MODEL_LOAD,
    );
    const narrow = { ...MANIFEST, inputs: MANIFEST.inputs.slice(0, 2) } as Manifest;
    await expect(engine.load(bytes, narrow)).rejects.toSatisfy(
      (e: unknown) => isOutpostError(e) && e.code === DeviceErrorCodes.MODEL_LOAD,
    );
    const wrongOutput = { ...MANIFEST, predictionOutput: 'label' } as Manifest;
    await expect(engine.load(bytes, wrongOutput)).rejects.toSatisfy(
      (e: unknown) => isOutpostError(e) && e.code === DeviceErrorCodes.MODEL_LOAD,
    );
  });
});

describe('TFLite input transform', () => {
  let transform: InputTransform;
  beforeAll(() => {
    const meta = readTfliteMetadata(exportTflite(PIPELINE, LINEAR));
    transform = JSON.parse(new TextDecoder().decode(meta?.get('outpost.input_transform'))) as InputTransform;
  });

  it('travels in the .tflite metadata: the pipeline as fitted steps, and the output', () => {
    expect(transform).toEqual(inputTransform(PIPELINE));
    expect(transform.format).toBe(INPUT_TRANSFORM_FORMAT);
    expect(transform.pipeline.steps.map((s) => s.op)).toEqual(['impute', 'impute', 'onehot', 'scale']);
    expect(transform.pipeline.features).toEqual(['a', 'b', 'c=p', 'c=q', 'c=r']);
    expect(transform.output).toEqual({ task: 'regression', prediction: 'prediction' });
  });

  it('imputes the median, scales, and one-hot encodes (unseen / missing → zeros)', () => {
    expect(Array.from(designRows(transform, [{ a: 4, b: -65, c: 'q' }]))).toEqual([1, -1, 0, 1, 0]);
    expect(Array.from(designRows(transform, [{ a: null, b: Number.NaN, c: 'zzz' }]))).toEqual([
      Math.fround(0.5 / 2.5),
      Math.fround(-5 / 40),
      0,
      0,
      0,
    ]);
    expect(Array.from(designRows(transform, [{ a: 'x', c: '' }]).subarray(2))).toEqual([0, 0, 0]);
  });

  it('a step kind the device does not know fails the load with PIPELINE_STEP_UNKNOWN', async () => {
    const steps = [...transform.pipeline.steps];
    steps.splice(2, 0, { op: 'polynomial', columns: ['a', 'b'], degree: 2 } as never);
    const future = {
      ...transform,
      pipeline: { ...transform.pipeline, steps, features: [...transform.pipeline.features, 'a*b'] },
    };
    const layers = tfliteLayers({ kind: 'linear', weights: [1, 2, 3, 4, 5, 6], intercept: 0 });
    const bytes = writeTflite(layers, {
      metadata: { 'outpost.input_transform': new TextEncoder().encode(JSON.stringify(future)) },
    });
    const err: unknown = await createTfliteEngine()
      .load(bytes, MANIFEST)
      .catch((e: unknown) => e);
    expect(isOutpostError(err, PipelineErrorCodes.STEP_UNKNOWN)).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ op: 'polynomial', index: 2 });
    // A malformed known step is a broken file instead.
    const broken = {
      ...transform,
      pipeline: { ...transform.pipeline, steps: [{ op: 'clip', column: 'a', lo: 2, hi: 1 }] },
    };
    const brokenBytes = writeTflite(tfliteLayers(LINEAR), {
      metadata: { 'outpost.input_transform': new TextEncoder().encode(JSON.stringify(broken)) },
    });
    await expect(createTfliteEngine().load(brokenBytes, MANIFEST)).rejects.toSatisfy((e: unknown) =>
      isOutpostError(e, DeviceErrorCodes.MODEL_LOAD),
    );
  });
});
