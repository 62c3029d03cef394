/**
 * artifact/build.ts: a TrainedModel becomes a signed, verifiable, byte-reproducible artifact
 * folder; tampering fails `verifyArtifact` with a coded error; the manifest's golden examples (the
 * trainer's in-process outputs, artifact/goldens.ts) are what both onnxruntimes compute within 1e-5.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  Manifest,
  generateSigningKeyPair,
  sha256Hex,
  validate,
  verifyArtifact,
  type SigningKeyPair,
} from '@outpost/protocol';
import { buildArtifact } from '../src/artifact/build.ts';
import { UNSEEN_CATEGORY } from '../src/artifact/golden-records.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import type { TrainedModel } from '../src/model/trained-model.ts';
import { fitKind, fixture, ortNode, ortWeb, runOnnx, trainedModel } from './export-fixtures.ts';
import { tempDir, codeOf } from './helpers.ts';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const tmp = tempDir('outpost-build-');
afterAll(() => tmp.cleanup());

let keys: SigningKeyPair;
let regression: TrainedModel;
let multiclass: TrainedModel;

beforeAll(async () => {
  keys = generateSigningKeyPair();
  const f = fixture(300);
  regression = trainedModel(f, await fitKind(f, 'gbdt', 'regression'), 'regression', 'synth-reg');
  multiclass = trainedModel(f, await fitKind(f, 'logistic', 'multiclass'), 'multiclass', 'synth-cls');
});

function bundle(dir: string): { manifestBytes: Buffer; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir)) if (name !== 'manifest.json') files.set(name, readFileSync(join(dir, name)));
  return { manifestBytes: readFileSync(join(dir, 'manifest.json')), files };
}

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((n) => [n, sha256Hex(readFileSync(join(dir, n)))]),
  );
}

describe('buildArtifact', () => {
  it('writes model.onnx, card.md and a signed manifest that verifies', async () => {
    const built = await buildArtifact(regression, { outRoot: join(tmp.dir, 'a'), keys, now: NOW });
    expect(built.artifactDir).toBe(join(tmp.dir, 'a', 'synth-reg', '1'));
    expect(readdirSync(built.artifactDir).sort()).toEqual(['card.md', 'manifest.json', 'model.onnx']);
    const m = verifyArtifact(bundle(built.artifactDir), keys.publicKeyPem, built.artifactId);
    expect(m.createdAt).toBe('2024-01-02T03:04:05.000Z');
    expect(m.parentVersion).toBeNull();
    expect(m.outputs).toEqual([{ name: 'prediction', type: 'float', shape: [1] }]);
    expect(m.predictionOutput).toBe('prediction');
    expect(m.trainer).toEqual({ algorithm: 'gbdt', seed: 3, params: regression.params });
    expect(m.trainingData).toEqual({ fingerprint: regression.dataFingerprint, rows: 300, source: 'synthetic.csv' });
    expect(m.files.map((x) => x.path)).toEqual(['model.onnx', 'card.md']);
    expect(Object.keys(m.reference.features)).toEqual(['a', 'b', 'c', 'color']);
    expect(m.reference.features.color).toMatchObject({ kind: 'categorical', categories: ['red', 'green', 'blue'] });
    expect(m.reference.features.a?.missing).toBeGreaterThan(0);
    // Golden: a missing number and an all-unseen string row are among them.
    expect(m.golden.some((g) => g.inputs.a === null || g.inputs.b === null)).toBe(true);
    expect(m.golden.some((g) => g.inputs.color === UNSEEN_CATEGORY)).toBe(true);
    expect(readFileSync(join(built.artifactDir, 'card.md'), 'utf8')).toContain('# synth-reg v1');
  });

  it('is byte-reproducible: the same inputs and time give identical files', async () => {
    const a = await buildArtifact(multiclass, { outRoot: join(tmp.dir, 'r1'), keys, now: NOW });
    const b = await buildArtifact(multiclass, { outRoot: join(tmp.dir, 'r2'), keys, now: NOW });
    expect(hashes(b.artifactDir)).toEqual(hashes(a.artifactDir));
    expect(b.artifactId).toBe(a.artifactId);
    const c = await buildArtifact(multiclass, { outRoot: join(tmp.dir, 'r3'), keys, now: NOW + 1000 });
    expect(c.artifactId).not.toBe(a.artifactId);
    expect(hashes(c.artifactDir)['model.onnx']).toBe(hashes(a.artifactDir)['model.onnx']);
  });

  it('numbers versions, records the parent and refuses to overwrite', async () => {
    const outRoot = join(tmp.dir, 'v');
    await buildArtifact(regression, { outRoot, keys, now: NOW });
    const second = await buildArtifact(regression, { outRoot, keys, now: NOW });
    expect([second.manifest.version, second.manifest.parentVersion]).toEqual([2, 1]);
    await expect(buildArtifact(regression, { outRoot, keys, now: NOW, version: 2 })).rejects.toMatchObject({
      code: TrainerErrorCodes.ARTIFACT_VERSION_EXISTS,
    });
  });

  it('fails verification with a coded error when a byte of model.onnx or manifest.json flips', async () => {
    const built = await buildArtifact(multiclass, { outRoot: join(tmp.dir, 't'), keys, now: NOW });
    const good = bundle(built.artifactDir);
    const model = Uint8Array.from(good.files.get('model.onnx') as Uint8Array);
    const mid = Math.floor(model.length / 2);
    model[mid] = (model[mid] as number) ^ 0x01;
    const badModel = { ...good, files: new Map([...good.files, ['model.onnx', model]]) };
    expect(codeOf(() => verifyArtifact(badModel, keys.publicKeyPem))).toBe(ErrorCodes.HASH_MISMATCH);

    const text = good.manifestBytes.toString('utf8');
    const at = text.indexOf('synthetic.csv');
    const manifest = Buffer.from(good.manifestBytes);
    manifest[at] = (manifest[at] as number) ^ 0x01; // 's' → 'r': still valid JSON, no longer what was signed
    expect(codeOf(() => verifyArtifact({ ...good, manifestBytes: manifest }, keys.publicKeyPem))).toBe(
      ErrorCodes.SIGNATURE_INVALID,
    );
    expect(
      codeOf(() => verifyArtifact({ ...good, manifestBytes: manifest }, keys.publicKeyPem, built.artifactId)),
    ).toBe(ErrorCodes.HASH_MISMATCH);
    expect(codeOf(() => verifyArtifact(good, generateSigningKeyPair().publicKeyPem))).toBe(
      ErrorCodes.SIGNATURE_INVALID,
    );
  });

  it('a manifest missing a field fails the protocol schema', async () => {
    const built = await buildArtifact(regression, { outRoot: join(tmp.dir, 's'), keys, now: NOW });
    for (const field of ['reference', 'golden', 'trainingData', 'outputs'] as const) {
      const { [field]: _dropped, ...rest } = built.manifest;
      expect(codeOf(() => validate(Manifest, rest, 'manifest'))).toBe(ErrorCodes.SCHEMA_INVALID);
    }
  });

  it('golden examples are the in-process outputs, which onnxruntime-web and onnxruntime-node compute from model.onnx within 1e-5', async () => {
    const built = await buildArtifact(multiclass, { outRoot: join(tmp.dir, 'g'), keys, now: NOW });
    const m = built.manifest;
    expect(m.outputs.map((o) => o.name)).toEqual(['label', 'probabilities']);
    expect(m.predictionOutput).toBe('label');
    const bytes = readFileSync(join(built.artifactDir, 'model.onnx'));
    for (const ort of [ortWeb, ortNode]) {
      const got = await runOnnx(
        ort,
        bytes,
        multiclass.pipeline,
        m.golden.map((g) => g.inputs),
      );
      m.golden.forEach((g, i) => {
        expect([got.label?.[i]]).toEqual(g.outputs.label);
        const probs = (got.probabilities as number[]).slice(i * 3, i * 3 + 3);
        probs.forEach((p, k) =>
          expect(Math.abs(p - (g.outputs.probabilities?.[k] as number))).toBeLessThan(
            1e-5 * Math.max(1e-3, g.outputs.probabilities?.[k] as number),
          ),
        );
      });
    }
  });
});
