/**
 * buildArtifact and model.tflite: written (role 'model-tflite', signed like every file, the input
 * transform inside) for linear, logistic and MLP models; absent — with the reason in the card and
 * the build report — for other learners and for preprocessing the device transform cannot apply
 * (every step kind the trainer fits is one it applies, cluster_similarity included).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INPUT_TRANSFORM_FORMAT,
  Manifest,
  generateSigningKeyPair,
  sha256Hex,
  validate,
  type InputTransform,
  type SigningKeyPair,
} from '@outpost/protocol';
import { buildArtifact } from '../src/artifact/build.ts';
import { fitSpecPipeline, transform } from '../src/preprocess/spec-pipeline.ts';
import { linearLearner } from '../src/models/linear.ts';
import { FeatureStep } from '../src/spec/steps.ts';
import { TFLITE_TRANSFORM_METADATA } from '../src/tflite/export-tflite.ts';
import { fitKind, fixture, trainedModel, type Fixture } from './export-fixtures.ts';

/** Model.metadata of a .tflite by schema slots (Model.metadata = 6, buffers = 4). */
function transformOf(bytes: Uint8Array): InputTransform {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const table = (pos: number): number => pos + view.getUint32(pos, true);
  const field = (t: number, slot: number): number => {
    const vt = t - view.getInt32(t, true);
    const off = 4 + 2 * slot < view.getUint16(vt, true) ? view.getUint16(vt + 4 + 2 * slot, true) : 0;
    return off ? t + off : 0;
  };
  const vector = (pos: number): { start: number; length: number } => {
    const v = table(pos);
    return { start: v + 4, length: view.getUint32(v, true) };
  };
  const model = table(0);
  const metas = vector(field(model, 6));
  const buffers = vector(field(model, 4));
  for (let i = 0; i < metas.length; i++) {
    const m = table(metas.start + 4 * i);
    const name = vector(field(m, 0));
    if (new TextDecoder().decode(bytes.subarray(name.start, name.start + name.length)) !== TFLITE_TRANSFORM_METADATA)
      continue;
    const buffer = table(buffers.start + 4 * view.getUint32(field(m, 1), true));
    const data = vector(field(buffer, 0));
    return JSON.parse(new TextDecoder().decode(bytes.subarray(data.start, data.start + data.length))) as InputTransform;
  }
  throw new Error('no input transform');
}

describe('buildArtifact writes model.tflite for dense models', () => {
  let root: string;
  let keys: SigningKeyPair;
  let f: Fixture;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'outpost-tflite-artifact-'));
    keys = generateSigningKeyPair();
    f = fixture();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('linear: model.tflite listed with role model-tflite and its sha256, the transform inside, the same bytes on a rebuild', async () => {
    const t = trainedModel(f, await fitKind(f, 'linear', 'regression'), 'regression', 'tfl-linear');
    const built = await buildArtifact(t, { outRoot: join(root, 'a'), keys, now: 0, measureLatency: false });
    expect(built.tflite.written).toBe(true);
    const entry = built.manifest.files.find((e) => e.path === 'model.tflite');
    expect(entry?.role).toBe('model-tflite');
    const bytes = readFileSync(join(built.artifactDir, 'model.tflite'));
    expect(entry?.sha256).toBe(sha256Hex(bytes));
    expect(entry?.bytes).toBe(bytes.byteLength);
    expect(validate(Manifest, built.manifest, 'manifest').files.map((e) => e.role)).toContain('model-tflite');
    const tr = transformOf(bytes);
    expect(tr.format).toBe(INPUT_TRANSFORM_FORMAT);
    expect(tr.pipeline.features).toEqual(f.pipeline.features);
    expect(tr.pipeline.steps.map((s) => s.op)).toEqual(f.pipeline.steps.map((s) => s.op));
    expect(tr.output).toEqual({ task: 'regression', prediction: 'prediction' });
    expect(readFileSync(join(built.artifactDir, 'card.md'), 'utf8')).toContain(
      '`model.tflite` is the same model for the TFLite engine',
    );
    const again = await buildArtifact(t, { outRoot: join(root, 'b'), keys, now: 0, measureLatency: false });
    expect(readFileSync(join(again.artifactDir, 'model.tflite')).equals(bytes)).toBe(true);
    expect(again.artifactId).toBe(built.artifactId);
  });

  it('binary MLP: the transform carries the decision threshold', async () => {
    const t = { ...trainedModel(f, await fitKind(f, 'mlp', 'binary'), 'binary', 'tfl-mlp'), threshold: 0.35 };
    const built = await buildArtifact(t, { outRoot: root, keys, now: 0, measureLatency: false });
    expect(built.tflite.written).toBe(true);
    expect(transformOf(readFileSync(join(built.artifactDir, 'model.tflite'))).output).toEqual({
      task: 'binary',
      probabilities: 'probabilities',
      label: 'label',
      threshold: Math.fround(0.35),
    });
  });

  it('trees: no model.tflite, and the card and report say why', async () => {
    const t = trainedModel(f, await fitKind(f, 'gbdt', 'regression'), 'regression', 'tfl-gbdt');
    const built = await buildArtifact(t, { outRoot: root, keys, now: 0, measureLatency: false });
    expect(built.tflite).toMatchObject({ written: false });
    expect(built.tflite.reason).toContain('gbdt');
    expect(built.manifest.files.some((e) => e.role === 'model-tflite' || e.path.endsWith('.tflite'))).toBe(false);
    expect(readFileSync(join(built.artifactDir, 'card.md'), 'utf8')).toContain('No `model.tflite`');
  });

  it('a cluster_similarity pipeline: model.tflite is written (the device applies that step)', async () => {
    const { pipeline } = fitSpecPipeline({
      columns: f.columns,
      rows: f.trainRows,
      features: [
        FeatureStep.parse({ op: 'cluster_similarity', name: 'ac', columns: ['a', 'c'], k: 3, gamma: 0.01 }),
        FeatureStep.parse({ op: 'scale', method: 'standard' }),
      ],
    });
    const model = await linearLearner.fit(
      transform(pipeline, f.columns, f.trainRows),
      f.targets.regression,
      {},
      { task: 'regression', seed: 1, classes: 2 },
    );
    const t = { ...trainedModel(f, model, 'regression', 'tfl-cluster'), pipeline };
    const built = await buildArtifact(t, { outRoot: root, keys, now: 0, measureLatency: false });
    expect(built.tflite.written).toBe(true);
    expect(built.manifest.files.some((e) => e.role === 'model-tflite' && e.path === 'model.tflite')).toBe(true);
    const carried = transformOf(readFileSync(join(built.artifactDir, 'model.tflite')));
    expect(carried.pipeline.steps.find((s) => s.op === 'cluster_similarity')).toEqual(
      pipeline.steps.find((s) => s.op === 'cluster_similarity'),
    );
  });
});
