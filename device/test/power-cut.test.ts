/**
 * Power-cut safety, proven (docs/DEVICE.md "Power-cut safety"): a real device process is SIGKILLed
 * at every step of the update machine — held there by the documented test hook
 * (OUTPOST_TEST_HOLD_UPDATE_AT), so the kill lands exactly at that step — and restarted on the same
 * data dir. Every time it comes up serving a verified model (the old one before the slot switch is
 * durable, the new one after), and the update then completes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_KEY_FILE, ReportedState, generateSigningKeyPair, topics, validate } from '@outpost/protocol';
import { readArtifactFolder } from '@outpost/protocol/node';
import { createOrtNodeEngine, provisionModel } from '../src/index.ts';
import { UPDATE_STEPS, type UpdateStep } from '../src/updater.ts';
import { HOLD_UPDATE_ENV } from '../src/cli/run-device.ts';
import { spawnDevice, type DeviceProcess } from './helpers/device-process.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, waitFor, type FakeGateway } from './helpers/fake-gateway.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';
import { expected } from './helpers/onnx-model.ts';

/** Steps at which the slot switch is already durable: the restart comes up on the new model. */
const AFTER_SWITCH: readonly UpdateStep[] = ['commit'];

describe('power cut at every update step', () => {
  let root: string;
  let gw: FakeGateway;
  let keyFile: string;
  let v1: FixtureArtifact;
  let v2: FixtureArtifact;
  const keys = generateSigningKeyPair();
  const running: DeviceProcess[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-powercut-'));
    v1 = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 1);
    v2 = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 2);
    keyFile = path.join(root, 'signing.pub');
    writeFileSync(keyFile, keys.publicKeyPem);
    gw = await startFakeGateway(path.join(root, 'artifacts'));
  });
  afterAll(async () => {
    for (const p of running) await p.kill();
    await gw?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const lastReport = (id: string): ReportedState | undefined => {
    const mine = gw.reported.filter((r) => r.topic === topics.device(id, 'reported'));
    const last = mine[mine.length - 1];
    return last ? validate(ReportedState, last.payload, 'reported') : undefined;
  };

  it.each(UPDATE_STEPS)(
    'killed at %s, it restarts on a verified model and completes the update',
    async (step) => {
      const id = `cut-${step}`;
      const dataDir = path.join(root, id);
      await provisionModel({
        dataDir,
        bundle: readArtifactFolder(v1.dir),
        publicKeyPem: keys.publicKeyPem,
        engine: createOrtNodeEngine(),
      });
      writeFileSync(path.join(dataDir, FLEET_KEY_FILE), FLEET_INTENT_KEYS.publicKeyPem);
      await gw.publishDesired(id, 1, [v2]);
      const args = [
        '--id',
        id,
        '--data-dir',
        dataDir,
        '--broker',
        gw.broker.url,
        '--public-key',
        keyFile,
        '--engine',
        'onnxruntime-node',
        '--log-level',
        'warn',
      ];

      const first = spawnDevice(args, { [HOLD_UPDATE_ENV]: step });
      running.push(first);
      await first.waitFor(new RegExp(`holding at ${step} `));
      await first.kill('SIGKILL');
      // Every step before the held one was announced, in order.
      const announced = [...first.output().matchAll(/update step (\S+)/g)].map((m) => m[1]);
      expect(announced).toEqual(UPDATE_STEPS.slice(0, UPDATE_STEPS.indexOf(step) + 1));

      const again = spawnDevice(args);
      running.push(again);
      const [, url, version] = await again.waitFor(/serving on (http:\S+) .*; tiny v(\d+) from model\.onnx\)/);
      expect(Number(version)).toBe(AFTER_SWITCH.includes(step) ? 2 : 1);

      await waitFor(
        `${id} converged on v2`,
        () => {
          const r = lastReport(id);
          return (
            r?.status === 'converged' &&
            r.models.some((m) => m.state === 'active' && m.artifactId === v2.artifactId) &&
            r
          );
        },
        60_000,
      );
      const res = await fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows: [{ x: 1.5, c: 'b' }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { version: number; predictions: number[] };
      expect(body.version).toBe(2);
      expect(body.predictions[0]).toBeCloseTo(expected(1.5, 'b', 2), 4);
      await again.kill('SIGTERM');
      expect(again.child.exitCode).toBe(0);
    },
    180_000,
  );
});
