import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  ReportedState,
  generateSigningKeyPair,
  topics,
  validate,
  type SigningKeyPair,
} from '@outpost/protocol';
import { readFileSync } from 'node:fs';
import { DeviceErrorCodes, startDevice, type Device } from '../src/index.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, waitFor, type FakeGateway } from './helpers/fake-gateway.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';
import { expected } from './helpers/onnx-model.ts';

/** The device's latest reported state as the gateway saw it. */
function lastReport(gw: FakeGateway, id: string): ReportedState | undefined {
  const mine = gw.reported.filter((r) => r.topic === topics.device(id, 'reported'));
  const last = mine[mine.length - 1];
  return last ? validate(ReportedState, last.payload, 'reported') : undefined;
}

interface ApiBody {
  model?: string;
  version?: number;
  predictions?: number[];
  ids?: string[];
  error?: { code: string; message: string };
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: ApiBody }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as ApiBody };
}

describe('device update over a real broker', () => {
  let root: string;
  let keys: SigningKeyPair;
  let v1: FixtureArtifact;
  let v2: FixtureArtifact;
  let badGolden: FixtureArtifact;
  let gw: FakeGateway;
  const open: Device[] = [];
  let n = 0;

  const newDevice = async (id: string, dataDir?: string, brokerUrl?: string): Promise<Device> => {
    const d = await startDevice({
      id,
      dataDir: dataDir ?? mkdtempSync(path.join(root, 'dev-')),
      brokerUrl: brokerUrl ?? gw.broker.url,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      chunkTimeoutMs: 2000,
    });
    open.push(d);
    return d;
  };
  const nextId = (): string => `dev-${++n}`;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-device-'));
    keys = generateSigningKeyPair();
    const artifacts = path.join(root, 'artifacts');
    v1 = writeFixtureArtifact(artifacts, keys, 1);
    v2 = writeFixtureArtifact(artifacts, keys, 2);
    badGolden = writeFixtureArtifact(artifacts, keys, 3, { corruptGolden: true });
    gw = await startFakeGateway(artifacts);
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });
  afterAll(async () => {
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('reports itself (idle, revision -1) right after connecting with no model', async () => {
    const id = nextId();
    const d = await newDevice(id);
    const report = await waitFor('first report', () => lastReport(gw, id));
    expect(report).toMatchObject({ source: id, kind: 'device', revision: -1, status: 'idle', models: [] });
    expect(d.active()).toBeUndefined();
    const res = await postJson(`${d.httpUrl}/predict`, { inputs: { x: 1, c: 'a' } });
    expect(res.status).toBe(503);
    expect(res.json.error?.code).toBe(DeviceErrorCodes.NO_MODEL);
  });

  it('downloads, verifies, smoke-tests and activates a model, then serves it over HTTP', async () => {
    const id = nextId();
    const d = await newDevice(id);
    await gw.publishDesired(id, 1, [v1]);
    const active = await d.waitForModel((m) => m.version === 1);
    expect(active.artifactId).toBe(v1.artifactId);
    const report = await waitFor('converged report', () => {
      const r = lastReport(gw, id);
      return r?.status === 'converged' ? r : undefined;
    });
    expect(report.revision).toBe(1);
    expect(report.models).toEqual([{ name: 'tiny', version: 1, artifactId: v1.artifactId, state: 'active' }]);
    expect(
      gw.reported.some(
        (r) => r.topic === topics.device(id, 'reported') && (r.payload as ReportedState).status === 'updating',
      ),
    ).toBe(true);

    const one = await postJson(`${d.httpUrl}/predict`, { inputs: { x: 1.5, c: 'b' } });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ model: 'tiny', version: 1, predictions: [expected(1.5, 'b', 1)] });
    expect(one.json.ids).toHaveLength(1);
    const many = await postJson(`${d.httpUrl}/predict`, {
      rows: [
        { x: 0, c: 'a' },
        { x: 2, c: 'c' },
        { x: -1, c: null },
      ],
    });
    expect(many.json.predictions).toEqual([expected(0, 'a', 1), expected(2, 'c', 1), expected(-1, '', 1)]);
    expect(new Set([...(one.json.ids ?? []), ...(many.json.ids ?? [])]).size).toBe(4);

    const health = await (await fetch(`${d.httpUrl}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', model: 'tiny', version: 1, predictions: 4 });
    const model = await (await fetch(`${d.httpUrl}/model`)).json();
    expect(model).toMatchObject({
      name: 'tiny',
      version: 1,
      inputs: v1.manifest.inputs,
      outputs: v1.manifest.outputs,
      metrics: v1.manifest.metrics,
    });

    // Idempotent: the same desired state again changes nothing.
    await gw.publishDesired(id, 2, [v1]);
    await waitFor('revision 2 report', () => lastReport(gw, id)?.revision === 2);
    expect(lastReport(gw, id)?.status).toBe('converged');
    expect(d.active()?.version).toBe(1);

    // Upgrade to v2 swaps the slot.
    await gw.publishDesired(id, 3, [v2]);
    await d.waitForModel((m) => m.version === 2);
    const after = await postJson(`${d.httpUrl}/predict`, { inputs: { x: 1.5, c: 'b' } });
    expect(after.json).toMatchObject({ version: 2, predictions: [expected(1.5, 'b', 2)] });
  });

  it('refuses a tampered artifact (one byte of model.onnx flipped) with HASH_MISMATCH', async () => {
    const id = nextId();
    const tampered = Buffer.from(readFileSync(path.join(v2.dir, 'model.onnx')));
    tampered[tampered.length - 3] = (tampered[tampered.length - 3] as number) ^ 0x01;
    // A gateway of its own: an artifact server remembers each file's hash (artifacts never change),
    // so the tampered bytes must not reach the one the other tests download v2 from.
    const own = await startFakeGateway(path.join(root, 'artifacts'));
    own.overrides.set(`${v2.artifactId}/model.onnx`, tampered);
    try {
      const d = await newDevice(id, undefined, own.broker.url);
      await own.publishDesired(id, 1, [v2]);
      const report = await waitFor('failed report', () => {
        const r = lastReport(own, id);
        return r?.status === 'failed' ? r : undefined;
      });
      expect(report.models).toHaveLength(1);
      expect(report.models[0]).toMatchObject({
        version: 2,
        state: 'failed',
        error: { code: ErrorCodes.HASH_MISMATCH },
      });
      expect(d.active()).toBeUndefined();
      const res = await postJson(`${d.httpUrl}/predict`, { inputs: { x: 1, c: 'a' } });
      expect(res.json.error?.code).toBe(DeviceErrorCodes.NO_MODEL);
    } finally {
      for (const d of open.splice(0)) await d.close();
      await own.close();
    }
  });

  it('refuses a model whose golden outputs are wrong with SMOKE_TEST_FAILED and keeps the previous one', async () => {
    const id = nextId();
    const d = await newDevice(id);
    await gw.publishDesired(id, 1, [v1]);
    await d.waitForModel((m) => m.version === 1);
    await gw.publishDesired(id, 2, [badGolden]);
    const report = await waitFor('failed report', () => {
      const r = lastReport(gw, id);
      return r?.status === 'failed' ? r : undefined;
    });
    expect(report.models).toEqual([
      { name: 'tiny', version: 1, artifactId: v1.artifactId, state: 'active' },
      expect.objectContaining({
        version: 3,
        state: 'failed',
        error: expect.objectContaining({ code: DeviceErrorCodes.SMOKE_TEST_FAILED }),
      }),
    ]);
    expect(d.active()?.version).toBe(1);
    const res = await postJson(`${d.httpUrl}/predict`, { inputs: { x: 1, c: 'a' } });
    expect(res.json.version).toBe(1);
  });

  it('refuses an older version than the last accepted with VERSION_NOT_NEWER', async () => {
    const id = nextId();
    const d = await newDevice(id);
    await gw.publishDesired(id, 1, [v2]);
    await d.waitForModel((m) => m.version === 2);
    await gw.publishDesired(id, 2, [v1]);
    const report = await waitFor('failed report', () => {
      const r = lastReport(gw, id);
      return r?.status === 'failed' ? r : undefined;
    });
    expect(report.models[1]).toMatchObject({
      version: 1,
      state: 'failed',
      error: { code: DeviceErrorCodes.VERSION_NOT_NEWER },
    });
    expect(d.active()?.version).toBe(2);
  });

  it('rolls back to the previous slot, without a download, on a signed rollback naming the artifact it holds', async () => {
    const id = nextId();
    const d = await newDevice(id);
    await gw.publishDesired(id, 1, [v1]);
    await d.waitForModel((m) => m.version === 1);
    await gw.publishDesired(id, 2, [v2]);
    await d.waitForModel((m) => m.version === 2);
    const served = gw.served.get(v1.artifactId);
    await gw.publishDesired(id, 3, [v1], { rollback: true });
    await d.waitForModel((m) => m.version === 1);
    expect(gw.served.get(v1.artifactId)).toBe(served);
    await waitFor(
      'converged on revision 3',
      () => lastReport(gw, id)?.revision === 3 && lastReport(gw, id)?.status === 'converged',
    );
  });

  it('a restarted device with its broker gone serves its installed model over HTTP', async () => {
    const id = nextId();
    const dataDir = mkdtempSync(path.join(root, 'dev-'));
    const first = await newDevice(id, dataDir);
    await gw.publishDesired(id, 1, [v2]);
    await first.waitForModel((m) => m.version === 2);
    await first.close();

    const dead = await (await import('@outpost/protocol/broker')).startEmbeddedBroker({ port: 0 });
    const deadUrl = dead.url;
    await dead.close();
    const again = await newDevice(id, dataDir, deadUrl);
    expect(again.active()).toMatchObject({ name: 'tiny', version: 2, artifactId: v2.artifactId });
    const res = await postJson(`${again.httpUrl}/predict`, { rows: [{ x: 3, c: 'c' }] });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ model: 'tiny', version: 2, predictions: [expected(3, 'c', 2)] });
  });

  it('answers bad HTTP bodies with 400 and a code', async () => {
    const id = nextId();
    const d = await newDevice(id);
    await gw.publishDesired(id, 1, [v1]);
    await d.waitForModel();
    const cases: [unknown, string][] = [
      ['{not json', ErrorCodes.NOT_JSON],
      [{}, DeviceErrorCodes.INPUT_INVALID],
      [{ inputs: { x: { nested: 1 } } }, DeviceErrorCodes.INPUT_INVALID],
      [{ rows: [] }, DeviceErrorCodes.INPUT_INVALID],
      [{ rows: Array.from({ length: 1001 }, () => ({ x: 1 })) }, DeviceErrorCodes.INPUT_INVALID],
      [{ inputs: { x: 1 }, extra: true }, DeviceErrorCodes.INPUT_INVALID],
    ];
    for (const [body, code] of cases) {
      const res = await postJson(`${d.httpUrl}/predict`, body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.json.error?.code).toBe(code);
      expect(typeof res.json.error?.message).toBe('string');
    }
    const huge = await postJson(`${d.httpUrl}/predict`, { inputs: { x: 'y'.repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.json.error?.code).toBe(ErrorCodes.PAYLOAD_TOO_LARGE);
  });
});
