/**
 * The TFLite round trip of models fitted on standardised inputs (the run's logistic and MLP,
 * `learnerByName`): on a spec pipeline WITHOUT a scale step, model.onnx standardises in its graph
 * (Sub / Div before the first layer) and model.tflite carries the same μ / σ as a final `scale`
 * step of its input transform. Both engines must agree within 1e-5 relative on held-out rows and
 * edge rows, for float and int8 shipped weights, and model.tflite passes the golden examples.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, generateSigningKeyPair, verifyArtifact, type SigningKeyPair } from '@outpost/protocol';
import {
  CleaningStep,
  FeatureStep,
  buildArtifact,
  fitSpecPipeline,
  learnerByName,
  transformSpec,
  type Task,
} from '@outpost/trainer';
import { createOrtWebEngine, createTfliteEngine, smokeTest, type OutputData } from '../src/index.ts';
import { CLEANING, FEATURES, specFixture, specModel, type SpecFixture } from './helpers/spec-models.ts';

function maxRelDiff(a: OutputData, b: OutputData): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(Number(a[i]) - Number(b[i])) / Math.max(1, Math.abs(Number(b[i]))));
  return m;
}

describe('TFLite round trip of standardised models on an unscaled design', () => {
  let root: string;
  let keys: SigningKeyPair;
  let f: SpecFixture;

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-tflite-std-'));
    keys = generateSigningKeyPair();
    const base = specFixture();
    // The fixture's pipeline without its final `scale` step: columns from 0/1 to hundreds.
    const features = FEATURES.filter((s) => s.op !== 'scale');
    const { pipeline } = fitSpecPipeline({
      columns: base.columns,
      rows: base.trainRows,
      cleaning: CLEANING.map((s) => CleaningStep.parse(s)),
      features: features.map((s) => FeatureStep.parse(s)),
    });
    expect(pipeline.steps.some((s) => s.op === 'scale')).toBe(false);
    f = { ...base, pipeline };
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const cases: [string, 'logistic' | 'mlp', Task, number, string][] = [
    ['MLP regression, float', 'mlp', 'regression', -1, 'float'],
    ['MLP regression, int8 shipped', 'mlp', 'regression', 1, 'int8'],
    // Float ships: int8 would save under 20% of this small model (the trainer's int8 rule).
    ['logistic binary, int8 accepted but float ships (saves < 20%)', 'logistic', 'binary', 1, 'float'],
    ['MLP multiclass, float', 'mlp', 'multiclass', -1, 'float'],
  ];

  for (const [label, kind, task, tolerance, weights] of cases) {
    it(`${label}: model.tflite gives model.onnx's outputs within 1e-5 and passes the golden examples`, async () => {
      // The helper's TrainedModel (targets, inputs, validation rows), refitted by the run's learner.
      const plain = await specModel(f, kind, task, { tolerance, name: `std-${kind}-${task}-${weights}` });
      const x = transformSpec(f.pipeline, f.columns, f.trainRows);
      const model = await learnerByName(kind).fit(x, trainTargets(f, task), plain.params, {
        task,
        seed: 5,
        classes: task === 'multiclass' ? 3 : 2,
      });
      expect(model.toJSON()).toHaveProperty('standardize');
      const built = await buildArtifact({ ...plain, model }, { outRoot: root, keys, now: 0, measureLatency: false });
      expect(built.report.ship).toBe(weights);
      expect(built.tflite.written).toBe(true);
      const manifestBytes = readFileSync(path.join(built.artifactDir, MANIFEST_FILE));
      const files = new Map(
        built.manifest.files.map((e) => [e.path, readFileSync(path.join(built.artifactDir, e.path)) as Uint8Array]),
      );
      const manifest = verifyArtifact({ manifestBytes, files }, keys.publicKeyPem);
      const tflite = await createTfliteEngine().load(files.get('model.tflite') as Uint8Array, manifest);
      const onnx = await createOrtWebEngine().load(files.get('model.onnx') as Uint8Array, manifest);
      try {
        const got = await tflite.run(f.records);
        const want = await onnx.run(f.records);
        for (const o of manifest.outputs)
          expect(
            maxRelDiff(got.outputs[o.name] as OutputData, want.outputs[o.name] as OutputData),
            o.name,
          ).toBeLessThan(1e-5);
        expect(new Set(got.predictions.map((p) => p.toFixed(3))).size).toBeGreaterThan(task === 'regression' ? 50 : 1);
        await expect(smokeTest(tflite, manifest)).resolves.toBeUndefined();
      } finally {
        await tflite.release();
        await onnx.release();
      }
    });
  }
});

/** The training targets as the helper makes them from the fixture's score. */
function trainTargets(f: SpecFixture, task: Task): Float64Array {
  const s = Float64Array.from(f.trainRows, (r) => f.score[r] as number);
  if (task === 'regression') return Float64Array.from(s, (v) => 1000 + 25 * v);
  const sorted = Float64Array.from(s).sort();
  const q = (p: number): number => sorted[Math.floor(p * (sorted.length - 1))] as number;
  if (task === 'binary') return Float64Array.from(s, (v) => (v > q(0.7) ? 1 : 0));
  return Float64Array.from(s, (v) => (v < q(0.33) ? 0 : v < q(0.66) ? 1 : 2));
}
