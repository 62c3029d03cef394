import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import type { Column, RawRecord } from '../src/data/dataset.ts';
import { emitPreprocessing } from '../src/onnx/preprocess-graph.ts';
import { GraphBuilder, decodeModel } from '../src/onnx/graph-builder.ts';
import {
  designColumnNames,
  fitSpecPipeline,
  transformRecords,
  type SpecPipeline,
} from '../src/preprocess/spec-pipeline.ts';
import { mulberry32 } from '../src/random.ts';
import { CleaningStep, FeatureStep } from '../src/spec/steps.ts';

type Runtime = typeof ort | typeof ortNode;
const RUNTIMES: [string, Runtime][] = [
  ['onnxruntime-web', ort],
  ['onnxruntime-node', ortNode],
];

/** A synthetic table exercising every step: missing values, zero denominators, a capped spike. */
function table(n: number): { columns: Column[]; target: Column & { kind: 'numeric' } } {
  const rng = mulberry32(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const num = (f: () => number, missing: number): Float64Array =>
    Float64Array.from({ length: n }, () => (rng() < missing ? NaN : f()));
  const str = (xs: readonly string[]): string[] => Array.from({ length: n }, () => pick(xs));
  const a = num(() => Math.round(rng() * 1000) / 10, 0.1);
  const columns: Column[] = [
    { kind: 'numeric', name: 'a', values: a },
    { kind: 'numeric', name: 'b', values: num(() => Math.floor(rng() * 6), 0.05) },
    { kind: 'numeric', name: 'lon', values: num(() => -124 + rng() * 10, 0) },
    { kind: 'numeric', name: 'lat', values: num(() => 32 + rng() * 10, 0) },
    { kind: 'numeric', name: 'size', values: num(() => Math.min(Math.round(rng() * 7000) / 10, 500.1), 0.05) },
    { kind: 'categorical', name: 'color', values: str(['red', 'green', 'blue', 'blue', '']) },
    { kind: 'categorical', name: 'grade', values: str(['lo', 'mid', 'hi', '']) },
    { kind: 'categorical', name: 'region', values: str(['north', 'south', 'east', '']) },
  ];
  const target = {
    kind: 'numeric' as const,
    name: 'y',
    values: Float64Array.from({ length: n }, (_, i) =>
      Math.min(Number.isNaN(a[i] as number) ? 5 : (a[i] as number), 90),
    ),
  };
  return { columns, target };
}

const cleaning = [
  { op: 'impute', columns: ['a'], strategy: 'median', indicator: true },
  { op: 'impute', columns: ['color'], strategy: 'mode', indicator: true },
  { op: 'impute', columns: ['grade'], strategy: 'constant', value: 'mid' },
  { op: 'drop_duplicates' },
  { op: 'clip', columns: ['a'], quantiles: [0.05, 0.95] },
  { op: 'capped', column: 'size', action: 'flag' },
  { op: 'capped', column: 'y', action: 'drop' },
].map((s) => CleaningStep.parse(s));

const features = [
  { op: 'rotate', name: 'coast', x: 'lon', y: 'lat', degrees: 30 },
  { op: 'cluster_similarity', name: 'geo', columns: ['lat', 'lon'], k: 6, gamma: 0.5 },
  { op: 'ratio', name: 'a_per_b', numerator: 'a', denominator: 'b' },
  { op: 'log', columns: ['size'] },
  { op: 'log', columns: ['lat'], offset: -40 },
  { op: 'bin', column: 'a', bins: 6 },
  { op: 'bin', column: 'b', name: 'b_level', edges: [1, 2.5, 4] },
  { op: 'onehot', columns: ['color'] },
  { op: 'ordinal', column: 'grade', order: ['lo', 'mid', 'hi'] },
  { op: 'scale', method: 'standard' },
].map((s) => FeatureStep.parse(s));

function recordsOf(columns: Column[], rows: number[]): RawRecord[] {
  return rows.map((r) =>
    Object.fromEntries(
      columns.map((c) => {
        const v = c.values[r] as number | string;
        return [c.name, v === '' || Number.isNaN(v) ? null : v];
      }),
    ),
  );
}

/** Records on the edges: bin edges, clip bounds, the cap, zero and tiny denominators, unseen categories. */
function edgeRecords(p: SpecPipeline): RawRecord[] {
  const out: RawRecord[] = [{}];
  const base: RawRecord = { a: 40, b: 2, lon: -120, lat: 35, size: 100, color: 'red', grade: 'lo', region: 'north' };
  for (const s of p.steps) {
    if (s.op === 'bin')
      for (const e of s.edges) out.push({ ...base, [s.column]: e }, { ...base, [s.column]: e - 1e-9 });
    if (s.op === 'clip') out.push({ ...base, [s.column]: s.lo }, { ...base, [s.column]: s.hi });
    if (s.op === 'capped')
      out.push({ ...base, [s.column]: s.cap }, { ...base, [s.column]: 500.1 }, { ...base, [s.column]: 500 });
    // On a centre (similarity exactly 1) and a hair off it.
    if (s.op === 'cluster_similarity')
      for (const [lat = 0, lon = 0] of s.centres) out.push({ ...base, lat, lon }, { ...base, lat: lat + 1e-4, lon });
  }
  out.push(
    { ...base, b: 0 },
    { ...base, a: 0, b: 0 },
    { ...base, b: 1e-40 },
    { ...base, b: -0 },
    { ...base, a: Infinity },
    { ...base, a: -Infinity },
    { ...base, a: NaN },
    { ...base, a: null, b: null },
    { ...base, lat: 40 },
    { ...base, lat: 39 },
    { ...base, size: -1 },
    { ...base, size: -7 },
    { ...base, color: 'purple', grade: 'ultra', region: 'west' },
    { ...base, color: null, grade: null, region: null },
    { ...base, color: '', grade: '', region: '' },
    { ...base, a: 1e30 },
    { ...base, lon: 1e6, lat: -1e6 },
  );
  return out;
}

function feeds(p: SpecPipeline, recs: RawRecord[], rt: Runtime = ort): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const { name, kind } of p.inputs) {
    const values = recs.map((r) => r[name]);
    out[name] =
      kind === 'numeric'
        ? new rt.Tensor(
            'float32',
            Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN)),
            [recs.length, 1],
          )
        : new rt.Tensor(
            'string',
            values.map((v) => (typeof v === 'string' ? v : '')),
            [recs.length, 1],
          );
  }
  return out;
}

/** Preprocessing + a fixed linear head; outputs the design matrix too. */
function buildModel(p: SpecPipeline, weights: number[], bias: number): { bytes: Uint8Array; design: string } {
  const g = new GraphBuilder('preprocess_test');
  const design = emitPreprocessing(g, p);
  const w = p.features.length;
  g.output(design, 'float', ['N', w]);
  const product = g.op('MatMul', [design, g.floats('head_w', weights, [w, 1])]);
  g.node('Add', [product, g.floats('head_b', [bias], [1])], { outputs: ['prediction'] });
  g.output('prediction', 'float', ['N', 1]);
  return { bytes: g.toBytes(), design };
}

describe('preprocessing in ONNX (onnxruntime-web, onnxruntime-node)', () => {
  it.each(RUNTIMES)('%s computes the in-process design matrix and predictions for every step kind', async (_, rt) => {
    const { columns, target } = table(400);
    const train = Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 5 !== 0);
    const { pipeline, dropped } = fitSpecPipeline({ columns, target, rows: train, cleaning, features });
    expect(dropped.capped.length).toBeGreaterThan(0);
    const ops = new Set(pipeline.steps.map((s) => s.op));
    expect([...ops].sort()).toEqual([
      'bin',
      'capped',
      'clip',
      'cluster_similarity',
      'impute',
      'log',
      'onehot',
      'ordinal',
      'ratio',
      'rotate',
      'scale',
    ]);
    const width = designColumnNames(pipeline).length;
    const weights = Array.from({ length: width }, (_, j) => Math.fround(((j % 7) - 3) * 0.37 + 0.05));
    const bias = 50;
    const { bytes, design } = buildModel(pipeline, weights, bias);
    expect(decodeModel(bytes).opsetImport?.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 17],
      ['ai.onnx.ml', 3],
    ]);

    const recs = [
      ...recordsOf(
        columns,
        Array.from({ length: 170 }, (_, i) => i * 2 + 1),
      ),
      ...edgeRecords(pipeline),
    ];
    expect(recs.length).toBeGreaterThanOrEqual(200);
    const expected = transformRecords(pipeline, recs);
    const session = await rt.InferenceSession.create(bytes);
    const res = await session.run(feeds(pipeline, recs, rt));
    await session.release();
    const got = res[design]?.data as Float32Array;
    const pred = res.prediction?.data as Float32Array;
    expect(got.length).toBe(expected.data.length);

    let maxDesign = 0;
    for (let i = 0; i < got.length; i++)
      maxDesign = Math.max(maxDesign, Math.abs((got[i] as number) - (expected.data[i] as number)));
    // Only Log and Exp may differ, by about an ulp; a flipped bin or a wrong one-hot would be off by > 0.1.
    expect(maxDesign).toBeLessThan(1e-5);
    let maxRel = 0;
    for (let i = 0; i < recs.length; i++) {
      let y = bias;
      for (let j = 0; j < width; j++) y += (expected.data[i * width + j] as number) * (weights[j] as number);
      maxRel = Math.max(maxRel, Math.abs((pred[i] as number) - y) / Math.abs(y));
    }
    expect(maxRel).toBeLessThan(1e-5);
  });

  it('handles a categorical-only pipeline without scaling (ordinal, one-hot, indicator)', async () => {
    const columns: Column[] = [
      { kind: 'categorical', name: 'c', values: ['a', 'b', '', 'b', 'c'] },
      { kind: 'categorical', name: 'g', values: ['x', '', 'y', 'x', 'y'] },
    ];
    const { pipeline } = fitSpecPipeline({
      columns,
      rows: [0, 1, 2, 3, 4],
      cleaning: [
        CleaningStep.parse({ op: 'impute', columns: ['c'], strategy: 'constant', value: 'a', indicator: true }),
      ],
      features: [FeatureStep.parse({ op: 'ordinal', column: 'g', order: ['y', 'x', 'y'] })],
    });
    expect(designColumnNames(pipeline)).toEqual(['c=a', 'c=b', 'c=c', 'g', 'c_missing']);
    const recs: RawRecord[] = [{ c: 'b', g: 'y' }, { c: null, g: 'x' }, { c: 'zz', g: 'zz' }, {}, { c: 'c', g: '' }];
    const expected = transformRecords(pipeline, recs);
    expect(Array.from(expected.data)).toEqual([
      0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, -1, 0, 1, 0, 0, -1, 1, 0, 0, 1, -1, 0,
    ]);
    const g = new GraphBuilder('categorical');
    g.node('Identity', [emitPreprocessing(g, pipeline)], { outputs: ['design'] });
    g.output('design', 'float', ['N', 5]);
    const session = await ort.InferenceSession.create(g.toBytes());
    const res = await session.run(feeds(pipeline, recs));
    await session.release();
    expect(Array.from(res.design?.data as Float32Array)).toEqual(Array.from(expected.data));
  });
});

describe('cluster_similarity in ONNX', () => {
  /** Three columns (one made by rotate), a later log of one similarity column, k = 1 too; no scaling. */
  function fitted(): { pipeline: SpecPipeline; columns: Column[] } {
    const { columns } = table(300);
    const { pipeline } = fitSpecPipeline({
      columns,
      rows: Array.from({ length: 240 }, (_, i) => i),
      features: [
        { op: 'rotate', name: 'coast', x: 'lon', y: 'lat', degrees: 30 },
        { op: 'cluster_similarity', name: 'geo', columns: ['lat', 'lon', 'coast'], k: 7, gamma: 0.3, seed: 5 },
        { op: 'cluster_similarity', name: 'one', columns: ['b'], k: 1, gamma: 2 },
        { op: 'log', columns: ['geo_2'] },
      ].map((s) => FeatureStep.parse(s)),
    });
    return { pipeline, columns };
  }

  it.each(RUNTIMES)('%s matches the in-process similarities within a few ulp', async (_, rt) => {
    const { pipeline, columns } = fitted();
    const names = designColumnNames(pipeline);
    expect(names.filter((n) => n.startsWith('geo_') || n.startsWith('one_'))).toEqual([
      'geo_0',
      'geo_1',
      'geo_2',
      'geo_3',
      'geo_4',
      'geo_5',
      'geo_6',
      'one_0',
    ]);
    const g = new GraphBuilder('cluster_similarity');
    g.node('Identity', [emitPreprocessing(g, pipeline)], { outputs: ['design'] });
    g.output('design', 'float', ['N', names.length]);
    const recs: RawRecord[] = [
      ...recordsOf(
        columns,
        Array.from({ length: 300 }, (_, i) => i),
      ),
      { lat: 1e6, lon: -1e30 },
      { lat: null, lon: null },
      {},
    ];
    for (const s of pipeline.steps)
      if (s.op === 'cluster_similarity' && s.name === 'geo')
        for (const [lat = 0, lon = 0] of s.centres) recs.push({ lat, lon });
    const expected = transformRecords(pipeline, recs);
    const session = await rt.InferenceSession.create(g.toBytes());
    const res = await session.run(feeds(pipeline, recs, rt));
    await session.release();
    const got = res.design?.data as Float32Array;
    expect(got.length).toBe(expected.data.length);
    let worst = 0;
    let spread = 0;
    for (let i = 0; i < got.length; i++) {
      const e = expected.data[i] as number;
      const rel = Math.abs((got[i] as number) - e) / Math.max(Math.abs(e), 1e-30);
      worst = Math.max(worst, Math.abs(e) < 1e-30 ? Math.abs((got[i] as number) - e) * 1e30 : rel);
      if (names[i % names.length]?.startsWith('geo_')) spread = Math.max(spread, e);
    }
    // Exp (and the Log after it) may each be an ulp or two off (2^-23 ≈ 1.2e-7 relative); a wrong
    // centre, gamma or column order would be off by far more.
    expect(worst).toBeLessThan(2e-6);
    expect(spread).toBe(1);
  });
});
