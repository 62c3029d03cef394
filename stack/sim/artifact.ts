/**
 * A signed artifact for simulated devices (they verify it in full but do not run it): a manifest
 * and a model file of `modelBytes` seeded bytes. Benches size the rollout with it (1 MB).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  manifestBytes,
  mulberry32,
  sha256Hex,
  signManifest,
  type SigningKeyPair,
  type UnsignedManifest,
} from '@outpost/protocol';

export function writeSimArtifact(
  root: string,
  keys: SigningKeyPair,
  opts: { name: string; version: number; modelBytes: number },
): { dir: string; artifactId: string } {
  const random = mulberry32(opts.version * 7919 + opts.modelBytes);
  const model = Buffer.alloc(opts.modelBytes);
  for (let i = 0; i < model.length; i++) model[i] = Math.floor(random() * 256);
  const card = Buffer.from(`# ${opts.name} v${opts.version}\nA simulated model (not run by simulated devices).\n`);
  const unsigned: UnsignedManifest = {
    schema: 'outpost.manifest/1',
    name: opts.name,
    version: opts.version,
    parentVersion: opts.version > 1 ? opts.version - 1 : null,
    createdAt: '2026-01-01T00:00:00.000Z',
    task: 'regression',
    inputs: [{ name: 'x', type: 'float', range: [0, 10] }],
    outputs: [{ name: 'prediction', type: 'float', shape: [1] }],
    predictionOutput: 'prediction',
    files: [
      { path: 'model.onnx', role: 'model', bytes: model.byteLength, sha256: sha256Hex(model) },
      { path: 'card.md', role: 'card', bytes: card.byteLength, sha256: sha256Hex(card) },
    ],
    metrics: {},
    trainingData: { fingerprint: sha256Hex('sim'), rows: 10, source: 'sim' },
    golden: [{ inputs: { x: 1 }, outputs: { prediction: [2] } }],
    reference: {
      rows: 10,
      features: { x: { kind: 'numeric', edges: [2, 5], freqs: [0.2, 0.3, 0.5], missing: 0 } },
      prediction: { kind: 'numeric', edges: [1], freqs: [0.5, 0.5], missing: 0 },
    },
    trainer: { algorithm: 'sim', seed: 1, params: {} },
  };
  const bytes = manifestBytes(signManifest(unsigned, keys));
  const artifactId = sha256Hex(bytes);
  const dir = join(root, `${opts.name}-v${opts.version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MANIFEST_FILE), bytes);
  writeFileSync(join(dir, 'model.onnx'), model);
  writeFileSync(join(dir, 'card.md'), card);
  return { dir, artifactId };
}
