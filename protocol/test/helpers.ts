import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateSigningKeyPair,
  manifestBytes,
  sha256Hex,
  signManifest,
  type SigningKeyPair,
  type UnsignedManifest,
} from '../src/index.ts';

/** A small manifest that passes the schema, for tests of the contracts themselves. */
export function fixtureManifest(files: { path: string; bytes: Uint8Array }[]): UnsignedManifest {
  return {
    schema: 'outpost.manifest/1',
    name: 'fixture',
    version: 1,
    parentVersion: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    task: 'regression',
    inputs: [
      { name: 'x', type: 'float', range: [0, 10] },
      { name: 'c', type: 'string', categories: ['a', 'b'] },
    ],
    outputs: [{ name: 'prediction', type: 'float', shape: [1] }],
    predictionOutput: 'prediction',
    files: files.map((f) => ({
      path: f.path,
      role: 'model' as const,
      bytes: f.bytes.byteLength,
      sha256: sha256Hex(f.bytes),
    })),
    metrics: { cv_rmse: { metric: 'rmse', value: 1.5, std: 0.1, folds: 5 } },
    trainingData: { fingerprint: sha256Hex('rows'), rows: 10, source: 'test' },
    golden: [{ inputs: { x: 1, c: 'a' }, outputs: { prediction: [2] } }],
    reference: {
      rows: 10,
      features: {
        x: { kind: 'numeric', edges: [2, 5], freqs: [0.2, 0.3, 0.5], missing: 0 },
        c: { kind: 'categorical', categories: ['a', 'b'], freqs: [0.4, 0.6], missing: 0 },
      },
      prediction: { kind: 'numeric', edges: [1], freqs: [0.5, 0.5], missing: 0 },
    },
    trainer: { algorithm: 'fixture', seed: 1, params: {} },
  };
}

export function signedFixture(
  files: { path: string; bytes: Uint8Array }[],
  keys: SigningKeyPair = generateSigningKeyPair(),
) {
  const manifest = signManifest(fixtureManifest(files), keys);
  const bytes = manifestBytes(manifest);
  return { keys, manifest, manifestBytes: bytes, artifactId: sha256Hex(bytes) };
}

/** A fresh temp folder and its clean-up. */
export function tempDir(prefix = 'outpost-protocol-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
