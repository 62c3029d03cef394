import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  MANIFEST_SCHEMA,
  artifactIdOf,
  manifestBytes,
  sha256Hex,
  signManifest,
  type Manifest,
  type SigningKeyPair,
  type UnsignedManifest,
} from '@outpost/protocol';
import { expected, tinyRegressionModel } from './onnx-model.ts';

export const MODEL_NAME = 'tiny';

export interface FixtureArtifact {
  dir: string;
  artifactId: string;
  manifest: Manifest;
  bias: number;
}

/** Golden rows; expected outputs are computed by hand (see `expected`). */
export const GOLDEN_ROWS = [
  { x: 1.5, c: 'b' },
  { x: -2, c: 'a' },
  { x: 0.25, c: 'zzz' },
] as const;

/**
 * Writes a signed artifact folder (manifest.json, model.onnx, card.md) for the tiny model of
 * version `version` (bias = version). `corruptGolden` makes the golden outputs wrong.
 */
export function writeFixtureArtifact(
  root: string,
  keys: SigningKeyPair,
  version: number,
  opts: { corruptGolden?: boolean; name?: string } = {},
): FixtureArtifact {
  const bias = version;
  const model = tinyRegressionModel(bias);
  const card = Buffer.from(`# tiny v${version}\nA test model.\n`);
  const unsigned: UnsignedManifest = {
    schema: MANIFEST_SCHEMA,
    name: opts.name ?? MODEL_NAME,
    version,
    parentVersion: version > 1 ? version - 1 : null,
    createdAt: '2025-01-01T00:00:00.000Z',
    task: 'regression',
    inputs: [
      { name: 'x', type: 'float', range: [-5, 5] },
      { name: 'c', type: 'string', categories: ['a', 'b', 'c'] },
    ],
    outputs: [{ name: 'prediction', type: 'float', shape: [1] }],
    predictionOutput: 'prediction',
    files: [
      { path: 'model.onnx', role: 'model', bytes: model.byteLength, sha256: sha256Hex(model) },
      { path: 'card.md', role: 'card', bytes: card.byteLength, sha256: sha256Hex(card) },
    ],
    metrics: { rmse: { metric: 'rmse', value: 0.5 } },
    trainingData: { fingerprint: sha256Hex('training data'), rows: 100, source: 'synthetic' },
    golden: GOLDEN_ROWS.map((r) => ({
      inputs: { ...r },
      outputs: { prediction: [expected(r.x, r.c, bias) + (opts.corruptGolden ? 1 : 0)] },
    })),
    reference: {
      rows: 100,
      features: {
        x: { kind: 'numeric', edges: [0, 1, 2], freqs: [0.25, 0.25, 0.25, 0.25], missing: 0 },
        c: { kind: 'categorical', categories: ['a', 'b', 'c'], freqs: [0.3, 0.3, 0.4], missing: 0 },
      },
      prediction: { kind: 'numeric', edges: [10, 20, 30], freqs: [0.25, 0.25, 0.25, 0.25], missing: 0 },
    },
    trainer: { algorithm: 'hand-built', seed: 1, params: {} },
  };
  const signed = signManifest(unsigned, keys);
  const bytes = manifestBytes(signed);
  const artifactId = artifactIdOf(bytes);
  const dir = path.join(root, artifactId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'manifest.json'), bytes);
  writeFileSync(path.join(dir, 'model.onnx'), model);
  writeFileSync(path.join(dir, 'card.md'), card);
  return { dir, artifactId, manifest: signed, bias };
}
