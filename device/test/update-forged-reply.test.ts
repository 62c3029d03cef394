import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  ReportedState,
  generateSigningKeyPair,
  topics,
  validate,
  type SigningKeyPair,
} from '@outpost/protocol';
import { startDevice, type Device } from '../src/index.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, waitFor, type FakeGateway } from './helpers/fake-gateway.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';

function lastReport(gw: FakeGateway, id: string): ReportedState | undefined {
  const mine = gw.reported.filter((r) => r.topic === topics.device(id, 'reported'));
  const last = mine[mine.length - 1];
  return last ? validate(ReportedState, last.payload, 'reported') : undefined;
}

/**
 * A forged reply makes one transfer fail; that failure must not be remembered against the
 * revision, so the same desired state delivered again (a reconnect, a resend) is fetched again
 * and a clean copy installs.
 */
describe('device update after a forged artifact reply', () => {
  let root: string;
  let keys: SigningKeyPair;
  let v1: FixtureArtifact;
  let gw: FakeGateway;
  let device: Device | undefined;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-forged-'));
    keys = generateSigningKeyPair();
    v1 = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 1);
    gw = await startFakeGateway(path.join(root, 'artifacts'));
  });
  afterAll(async () => {
    await device?.close();
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const [what, file, forge] of [
    [
      'a manifest that is not the artifact',
      'manifest.json',
      (b: Buffer) => Buffer.from(b.toString().replace('tiny', 'tinx')),
    ],
    [
      'a model file with one byte flipped',
      'model.onnx',
      (b: Buffer) => Buffer.from(b.map((x, i) => (i === 20 ? x ^ 1 : x))),
    ],
  ] as const) {
    it(`retries the same revision after ${what}`, async () => {
      const id = `dev-${file.replace('.', '-')}`;
      const genuine = readFileSync(path.join(v1.dir, file));
      gw.overrides.set(`${v1.artifactId}/${file}`, forge(genuine));
      device = await startDevice({
        id,
        dataDir: mkdtempSync(path.join(root, 'dev-')),
        brokerUrl: gw.broker.url,
        publicKeyPem: keys.publicKeyPem,
        fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
        chunkTimeoutMs: 2000,
      });
      await gw.publishDesired(id, 7, [v1]);
      const failed = await waitFor(
        'failed report',
        () => {
          const r = lastReport(gw, id);
          return r?.status === 'failed' ? r : undefined;
        },
        30_000,
      );
      expect(failed.models[0]?.error?.code).toBe(ErrorCodes.HASH_MISMATCH);
      gw.overrides.clear();
      await gw.publishDesired(id, 7, [v1]); // the same revision, delivered again
      const active = await device.waitForModel((m) => m.version === 1, 30_000);
      expect(active.artifactId).toBe(v1.artifactId);
      await device.close();
      device = undefined;
    });
  }
});
