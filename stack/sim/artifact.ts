/**
 * A signed artifact for simulated devices (they verify it in full but do not run it): a manifest
 * and a model file of `modelBytes` seeded bytes. Benches size the rollout with it (1 MB). Its
 * inputs look like the occupancy model's (Temperature, Humidity, Light, CO2) and its reference
 * profile is what simulated devices draw their rows from (docs/OPERATIONS.md "Simulated fleet");
 * the stand-in rule "occupied when Light ≥ 300" scores accuracy 0.97 in its test band.
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
import { SIM_OCCUPIED_P, SIM_REFERENCE } from './rows.ts';

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
    task: 'binary',
    inputs: [
      { name: 'Temperature', type: 'float', range: [10, 35] },
      { name: 'Humidity', type: 'float', range: [0, 100] },
      { name: 'Light', type: 'float', range: [0, 2000] },
      { name: 'CO2', type: 'float', range: [300, 3000] },
    ],
    outputs: [{ name: 'probability', type: 'float', shape: [1] }],
    predictionOutput: 'probability',
    files: [
      { path: 'model.onnx', role: 'model', bytes: model.byteLength, sha256: sha256Hex(model) },
      { path: 'card.md', role: 'card', bytes: card.byteLength, sha256: sha256Hex(card) },
    ],
    metrics: { cv: { metric: 'accuracy', value: 0.97, ci95: [0.94, 0.99], folds: 5 } },
    trainingData: { fingerprint: sha256Hex('sim'), rows: 10, source: 'sim' },
    golden: [
      { inputs: { Temperature: 21, Humidity: 27, Light: 450, CO2: 800 }, outputs: { probability: [SIM_OCCUPIED_P] } },
    ],
    reference: SIM_REFERENCE,
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
