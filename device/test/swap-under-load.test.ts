/**
 * A model swapped under load drops nothing: concurrent `POST /predict` clients over real HTTP keep
 * asking while the update machine replaces the model four times (real broker, real onnxruntime
 * sessions); every request answers 200 with the prediction of the version it names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '@outpost/protocol';
import { createOrtNodeEngine, startDevice, type Device } from '../src/index.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, type FakeGateway } from './helpers/fake-gateway.ts';
import { GOLDEN_ROWS, writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';
import { expected } from './helpers/onnx-model.ts';

const CLIENTS = 8;
const VERSIONS = 5;

interface Answer {
  status: number;
  version?: number;
  prediction?: number;
  row: { x: number; c: string };
  code?: string;
}

describe('model swap under load', () => {
  let root: string;
  let gw: FakeGateway;
  let device: Device;
  const artifacts: FixtureArtifact[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-swap-'));
    const keys = generateSigningKeyPair();
    for (let v = 1; v <= VERSIONS; v++) artifacts.push(writeFixtureArtifact(path.join(root, 'artifacts'), keys, v));
    gw = await startFakeGateway(path.join(root, 'artifacts'));
    device = await startDevice({
      id: 'swap-1',
      dataDir: path.join(root, 'dev'),
      brokerUrl: gw.broker.url,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      engine: createOrtNodeEngine(),
    });
  });
  afterAll(async () => {
    await device?.close();
    await gw?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers every request during four swaps with the version it names', async () => {
    await gw.publishDesired('swap-1', 1, [artifacts[0] as FixtureArtifact]);
    await device.waitForModel((m) => m.version === 1);

    const answers: Answer[] = [];
    let stop = false;
    const client = async (k: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const g = GOLDEN_ROWS[(i + k) % GOLDEN_ROWS.length] as { x: number; c: string };
        const row = { x: g.x + k, c: g.c };
        try {
          const res = await fetch(`${device.httpUrl}/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ rows: [row] }),
          });
          const body = (await res.json()) as { version?: number; predictions?: number[]; error?: { code: string } };
          answers.push({
            status: res.status,
            row,
            ...(body.version !== undefined ? { version: body.version } : {}),
            ...(body.predictions ? { prediction: body.predictions[0] } : {}),
            ...(body.error ? { code: body.error.code } : {}),
          });
        } catch (err) {
          answers.push({ status: 0, row, code: (err as Error).message });
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, k) => client(k));
    const servedBy = (v: number): number => answers.filter((a) => a.version === v).length;
    for (let v = 2; v <= VERSIONS; v++) {
      const before = answers.length;
      await gw.publishDesired('swap-1', v, [artifacts[v - 1] as FixtureArtifact]);
      await device.waitForModel((m) => m.version === v);
      // keep the load on until the new version has answered a few and the swap is well behind us
      while (servedBy(v) < 50 || answers.length < before + 100) await new Promise((r) => setImmediate(r));
    }
    stop = true;
    await Promise.all(clients);

    const failed = answers.filter((a) => a.status !== 200);
    expect(failed).toEqual([]);
    for (const a of answers) expect(a.prediction).toBeCloseTo(expected(a.row.x, a.row.c, a.version as number), 4);
    for (let v = 1; v <= VERSIONS; v++) expect(servedBy(v)).toBeGreaterThan(0);
  }, 120_000);
});
