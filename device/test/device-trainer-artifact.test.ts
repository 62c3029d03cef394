/**
 * A real trainer artifact on the device: the committed housing v1 build (a GBDT over the housing
 * spec's pipeline: ratios, rotations, k-means similarities, one-hot), signed by the release key and
 * verified against firmware-models/signing.pub. The device installs it (smoke test on its golden
 * examples), serves the manifest's golden outputs over HTTP, and its predictions on rows of the
 * dataset copy are house values (the error of a real model, not of a broken feature order).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, MAX_MANIFEST_BYTES, Manifest, artifactIdOf, decode } from '@outpost/protocol';
import { closeEnough, loadCsvRows, startDevice } from '../src/index.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, type FakeGateway } from './helpers/fake-gateway.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BUILD = path.join(ROOT, 'firmware-models', 'housing', '1');
const CSV = path.join(ROOT, 'trainer', 'datasets', 'california-housing', 'housing.csv');

describe('a real trainer artifact on the device', () => {
  let root: string;
  let gw: FakeGateway;
  const manifestBytes = readFileSync(path.join(BUILD, MANIFEST_FILE));
  const manifest = decode(Manifest, manifestBytes, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  const artifactId = artifactIdOf(manifestBytes);
  const publicKeyPem = readFileSync(path.join(ROOT, 'firmware-models', 'signing.pub'), 'utf8');

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-device-trainer-'));
    gw = await startFakeGateway(path.join(root, 'none'));
    gw.dirs.set(artifactId, BUILD);
  });
  afterAll(async () => {
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('installs the housing build (smoke test on its golden examples) and predicts as the trainer recorded', async () => {
    const d = await startDevice({
      id: 'housing-1',
      dataDir: path.join(root, 'dev'),
      brokerUrl: gw.broker.url,
      publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
    });
    try {
      await gw.publishDesired('housing-1', 1, [{ artifactId, manifest }]);
      const active = await d.waitForModel(undefined, 60_000);
      expect(active).toMatchObject({ name: 'housing', version: 1, artifactId });

      const predict = async (rows: unknown[]): Promise<number[]> => {
        const res = await fetch(`${d.httpUrl}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rows }),
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { predictions: number[] }).predictions;
      };
      const golden = manifest.golden;
      const served = await predict(golden.map((g) => g.inputs));
      expect(served).toHaveLength(golden.length);
      served.forEach((p, i) => {
        const want = golden[i]?.outputs[manifest.predictionOutput]?.[0] as number;
        expect(closeEnough(p, want), `golden ${i}: ${p} vs ${want}`).toBe(true);
      });

      // Rows of the dataset copy (inputs only): a house-value model's error, per-row predictions that vary.
      const rows = (await loadCsvRows(CSV)).filter((_r, i) => i % 40 === 0);
      const names = manifest.inputs.map((i) => i.name);
      const predictions = await predict(rows.map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? null]))));
      const truth = rows.map((r) => r['median_house_value'] as number);
      const mae = predictions.reduce((s, p, i) => s + Math.abs(p - (truth[i] as number)), 0) / rows.length;
      expect(rows.length).toBeGreaterThan(500);
      expect(mae).toBeLessThan(40_000); // the mean model's MAE on these rows is ≈ 89,000
      expect(new Set(predictions.map((p) => Math.round(p))).size).toBeGreaterThan(rows.length * 0.9);
    } finally {
      await d.close();
    }
  }, 120_000);
});
