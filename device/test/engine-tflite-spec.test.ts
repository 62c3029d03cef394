/**
 * The TFLite round trip of real artifacts: spec-built models whose pipelines use every
 * step kind (cluster_similarity included) go through the trainer's `buildArtifact`; the signed artifact's `model.tflite` runs in
 * the TFLite engine (tfjs-tflite behind the Node shim, the input transform applied by the device)
 * and must give the artifact's `model.onnx` outputs in the onnxruntime-web engine within 1e-5
 * relative, on held-out rows plus rows with nulls, NaN, ±∞, unseen and mistyped values; and it
 * passes the manifest's golden examples as the device's smoke test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MANIFEST_FILE,
  PIPELINE_STEP_OPS,
  applyPipeline,
  generateSigningKeyPair,
  sha256Hex,
  verifyArtifact,
  type FittedPipeline,
  type Manifest,
  type SigningKeyPair,
} from '@outpost/protocol';
import { buildArtifact, type Task } from '@outpost/trainer';
import { createOrtWebEngine, createTfliteEngine, smokeTest, type OutputData } from '../src/index.ts';
import { specFixture, specModel, type SpecFixture } from './helpers/spec-models.ts';

/** |a − b| / max(|b|, 1): relative for values beyond 1, absolute below (probabilities). */
function maxRelDiff(a: OutputData, b: OutputData): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    m = Math.max(m, Math.abs(x - y) / Math.max(1, Math.abs(y)));
  }
  return m;
}

interface Built {
  manifest: Manifest;
  files: Map<string, Uint8Array>;
}

describe('TFLite round trip of spec-built artifacts', () => {
  let root: string;
  let keys: SigningKeyPair;
  let f: SpecFixture;

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-tflite-spec-'));
    keys = generateSigningKeyPair();
    f = specFixture();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function build(
    kind: 'linear' | 'logistic' | 'mlp',
    task: Task,
    tolerance: number,
  ): Promise<Built & { shipped: string }> {
    const t = await specModel(f, kind, task, { tolerance });
    const built = await buildArtifact(t, { outRoot: root, keys, now: 0, measureLatency: false });
    const manifestBytes = readFileSync(path.join(built.artifactDir, MANIFEST_FILE));
    const files = new Map(
      built.manifest.files.map((e) => [e.path, readFileSync(path.join(built.artifactDir, e.path)) as Uint8Array]),
    );
    const manifest = verifyArtifact({ manifestBytes, files }, keys.publicKeyPem);
    expect(built.tflite.written).toBe(true);
    return { manifest, files, shipped: built.report.ship };
  }

  it('the fixture pipeline uses every step kind the device transform applies', () => {
    expect(new Set(f.pipeline.steps.map((s) => s.op))).toEqual(new Set(PIPELINE_STEP_OPS));
    const impute = f.pipeline.steps.filter((s) => s.op === 'impute');
    expect(impute.some((s) => s.kind === 'numeric' && s.indicator !== null)).toBe(true);
    expect(impute.some((s) => s.kind === 'categorical' && s.indicator !== null)).toBe(true);
    expect(
      f.pipeline.steps
        .filter((s) => s.op === 'onehot')
        .map((s) => s.column)
        .sort(),
    ).toEqual(['color', 'region']);
    // cluster_similarity: 3 k-means centres over lon, lat and the rotated column; its similarities
    // vary across the rows the round trip compares, so the comparison sees them.
    const geo = f.pipeline.steps.find((s) => s.op === 'cluster_similarity');
    expect(geo).toMatchObject({ columns: ['lon', 'lat', 'coast'] });
    expect(geo?.op === 'cluster_similarity' && geo.centres.length).toBe(3);
    const design = applyPipeline(f.pipeline as FittedPipeline, f.records);
    const w = f.pipeline.features.length;
    for (const name of ['geo_0', 'geo_1', 'geo_2']) {
      const j = f.pipeline.features.indexOf(name);
      expect(j, name).toBeGreaterThanOrEqual(0);
      expect(
        new Set(Array.from({ length: f.records.length }, (_, i) => design[i * w + j]?.toFixed(3))).size,
        name,
      ).toBeGreaterThan(20);
    }
  });

  const cases: [string, 'linear' | 'logistic' | 'mlp', Task, number, string][] = [
    // Tolerance −1 refuses any int8 model (float ships); 1 accepts it (int8 ships).
    ['linear regression', 'linear', 'regression', -1, 'float'],
    ['MLP regression', 'mlp', 'regression', -1, 'float'],
    ['logistic binary (tuned threshold)', 'logistic', 'binary', -1, 'float'],
    ['MLP multiclass', 'mlp', 'multiclass', -1, 'float'],
    ['MLP regression with int8 weights shipped', 'mlp', 'regression', 1, 'int8'],
    // A small logistic model's int8 file saves under 20% of its float one, so float ships (the trainer's
    // int8 rule); the int8 TFLite path keeps its coverage through the MLP case above.
    ['logistic binary, int8 accepted but float ships (saves < 20%)', 'logistic', 'binary', 1, 'float'],
  ];

  for (const [label, kind, task, tolerance, weights] of cases) {
    it(`${label}: model.tflite in the TFLite engine gives model.onnx's outputs within 1e-5 and passes the golden examples`, async () => {
      const { manifest, files, shipped } = await build(kind, task, tolerance);
      expect(shipped).toBe(weights);
      const entry = manifest.files.find((e) => e.role === 'model-tflite');
      expect(entry?.path).toBe('model.tflite');
      const tfliteBytes = files.get('model.tflite') as Uint8Array;
      expect(entry?.sha256).toBe(sha256Hex(tfliteBytes));
      expect(manifest.metrics.size_bytes_tflite?.value).toBe(tfliteBytes.byteLength);

      const tflite = await createTfliteEngine().load(tfliteBytes, manifest);
      const onnx = await createOrtWebEngine().load(files.get('model.onnx') as Uint8Array, manifest);
      try {
        const got = await tflite.run(f.records);
        const want = await onnx.run(f.records);
        const names = manifest.outputs.map((o) => o.name);
        expect(Object.keys(got.outputs).sort()).toEqual([...names].sort());
        for (const name of names)
          expect(maxRelDiff(got.outputs[name] as OutputData, want.outputs[name] as OutputData), name).toBeLessThan(
            1e-5,
          );
        expect(maxRelDiff(Float64Array.from(got.predictions), Float64Array.from(want.predictions))).toBeLessThan(1e-5);
        if (task !== 'regression') expect(got.outputs.label).toBeInstanceOf(BigInt64Array);
        // Not constant: the comparison sees the features.
        expect(new Set(got.predictions.map((p) => p.toFixed(3))).size).toBeGreaterThan(task === 'regression' ? 50 : 1);
        await expect(smokeTest(tflite, manifest)).resolves.toBeUndefined();
      } finally {
        await tflite.release();
        await onnx.release();
      }
    });
  }
});
