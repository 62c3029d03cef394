import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '@outpost/protocol';
import { trainHousing, type TrainResult } from '@outpost/trainer';
import { closeEnough, startDevice } from '../src/index.ts';
import { startFakeGateway, type FakeGateway } from './helpers/fake-gateway.ts';

describe('a real trainer artifact on the device', () => {
  let root: string;
  let gw: FakeGateway;
  let trained: TrainResult;
  const keys = generateSigningKeyPair();

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-device-trainer-'));
    trained = await trainHousing({
      csvPath: path.resolve(import.meta.dirname, '../../trainer/datasets/california-housing/housing.csv'),
      outRoot: path.join(root, 'out'),
      keys,
    });
    gw = await startFakeGateway(path.join(root, 'none'));
    gw.dirs.set(trained.artifactId, trained.artifactDir);
  });
  afterAll(async () => {
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('installs the housing model (smoke test on its golden examples) and predicts as the trainer does', async () => {
    const d = await startDevice({
      id: 'housing-1',
      dataDir: path.join(root, 'dev'),
      brokerUrl: gw.broker.url,
      publicKeyPem: keys.publicKeyPem,
    });
    try {
      await gw.publishDesired('housing-1', 1, [trained]);
      const active = await d.waitForModel();
      expect(active).toMatchObject({ name: trained.name, version: trained.version, artifactId: trained.artifactId });
      const rows = trained.heldOutRows.slice(0, 200);
      const res = await fetch(`${d.httpUrl}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: number[] };
      const want = trained.predict(rows);
      expect(body.predictions).toHaveLength(200);
      body.predictions.forEach((p, i) =>
        expect(closeEnough(p, want[i] as number), `row ${i}: ${p} vs ${want[i]}`).toBe(true),
      );
    } finally {
      await d.close();
    }
  });
});
