/**
 * A model that passes its smoke test and errors at run time, end to end (docs/OPERATIONS.md
 * "Campaigns"): real fleet, gateway and four devices (real brokers, SQLite, onnxruntime sessions).
 * v2 of the lookup model (lookup-model.ts) has a table of 5 entries: its golden examples pass, so
 * the canary wave installs it, but field rows with x ≥ 5 make onnxruntime refuse the batch. The
 * devices answer those requests INFERENCE_FAILED, their telemetry carries the errors, and the
 * error-rate gate halts the campaign after its soak and rolls the canary back to v1 — which the
 * devices still hold, so nothing is downloaded — while the devices outside the canary never leave v1.
 * The fleet's clock is real time plus an offset the test moves past the soak.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, type Clock } from '@outpost/protocol';
import { ensureEnrolled } from '@outpost/protocol/node';
import { parseWaves, startFleet, type Fleet } from '@outpost/fleet';
import { startGateway, type Gateway } from '@outpost/gateway';
import { DeviceErrorCodes, createOrtNodeEngine, startDevice, type Device } from '@outpost/device';
import { lookupValue, writeLookupArtifact } from './lookup-model.ts';
import { waitFor } from './wait.ts';

const SOAK_MS = 60_000;
const IDS = ['device-1', 'device-2', 'device-3', 'device-4'];
const CANARY = ['device-1', 'device-2'];

let root: string;
let fleet: Fleet;
let gateway: Gateway;
let devices: Map<string, Device>;
let offset = 0;
const clock: Clock = {
  now: () => Date.now() + offset,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

const device = (id: string): Device => devices.get(id) as Device;

async function predict(id: string, xs: number[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${device(id).httpUrl}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows: xs.map((x) => ({ x })) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'outpost-runtime-errors-'));
  const keys = generateSigningKeyPair();
  fleet = await startFleet({
    dataDir: join(root, 'fleet'),
    port: 0,
    enrollPort: 0,
    publicKeyPem: keys.publicKeyPem,
    clock,
    campaigns: { pollMs: 100, offlineAfterMs: 3_600_000 },
  });
  await fleet.registerArtifact(writeLookupArtifact(root, keys, { name: 'lookup', version: 1, tableSize: 100 }).dir);
  await fleet.registerArtifact(writeLookupArtifact(root, keys, { name: 'lookup', version: 2, tableSize: 5 }).dir);
  await ensureEnrolled({
    id: 'site-1',
    dataDir: join(root, 'gateway'),
    enrollUrl: fleet.enrollUrl as string,
    createToken: (id) => fleet.createEnrollToken(id),
  });
  gateway = await startGateway({
    id: 'site-1',
    enrollPort: 0,
    dataDir: join(root, 'gateway'),
    upstreamUrl: fleet.brokerUrl,
    localPort: 0,
    publicKeyPem: keys.publicKeyPem,
    fleetKeyPem: fleet.intentPublicKeyPem,
    reconnectPeriodMs: 200,
    heartbeatMs: 300,
  });
  devices = new Map();
  for (const id of IDS) {
    await ensureEnrolled({
      id,
      dataDir: join(root, id),
      enrollUrl: gateway.enrollUrl as string,
      createToken: (d) => gateway.createEnrollToken(d),
    });
    devices.set(
      id,
      await startDevice({
        id,
        dataDir: join(root, id),
        brokerUrl: gateway.localUrl,
        publicKeyPem: keys.publicKeyPem,
        fleetKeyPem: fleet.intentPublicKeyPem,
        gatewayId: 'site-1',
        heartbeatMs: 300,
        engine: createOrtNodeEngine(),
        windowRows: 100_000,
        windowMs: 3_600_000,
      }),
    );
  }
  await waitFor(
    () => fleet.store.listReported().filter((r) => r.kind === 'device' && r.gateway === 'site-1').length === 4,
    30_000,
  );
  await fleet.assign('site-1', 'lookup', 1);
  for (const d of devices.values()) await d.waitForModel((m) => m.version === 1, 30_000);
}, 120_000);

afterAll(async () => {
  for (const d of devices?.values() ?? []) await d.close();
  await gateway?.close();
  await fleet?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a model that passes its smoke test but errors at run time', () => {
  it('is installed by the canary, fails requests, and the error-rate gate rolls the canary back', async () => {
    // Every version each device runs, sampled while the campaign goes on.
    const seen = new Map<string, Set<number>>(IDS.map((id) => [id, new Set<number>()]));
    const sample = setInterval(() => {
      for (const id of IDS) {
        const v = device(id).active()?.version;
        if (v !== undefined) seen.get(id)?.add(v);
      }
    }, 20);
    try {
      const c = fleet.campaigns.create(
        {
          model: 'lookup',
          version: 2,
          target: { kind: 'site', gateway: 'site-1' },
          steps: parseWaves('100%'),
          canary: CANARY,
          gates: { errorRateMax: 0.05, soakMs: SOAK_MS },
          onFail: 'rollback',
        },
        { actor: 'test' },
      );
      // The smoke test passes: the canary runs v2.
      for (const id of CANARY) await device(id).waitForModel((m) => m.version === 2, 30_000);
      await waitFor(() => fleet.campaigns.get(c.id).state === 'soaking', 30_000);
      expect(fleet.campaigns.get(c.id).waves[0]?.gates).toEqual([
        expect.objectContaining({ gate: 'install-success', passed: true, value: 1 }),
        expect.objectContaining({ gate: 'smoke-failures', passed: true, value: 0 }),
      ]);

      // Rows in range of v2's table are answered; field rows beyond it make onnxruntime refuse.
      const fine = [0.5, 1.5, 2.5, 3.5, 4.5];
      for (const id of CANARY) {
        const ok = await predict(id, fine);
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({ version: 2, predictions: fine.map((x) => lookupValue(Math.trunc(x), 2)) });
      }
      const field = [2, 7, 12, 30];
      for (let i = 0; i < 3; i++) {
        const bad = await predict('device-1', field);
        expect(bad.status).toBe(500);
        expect((bad.body.error as { code: string }).code).toBe(DeviceErrorCodes.INFERENCE_FAILED);
      }
      // The same rows on a device outside the canary, still on v1 (a table of 100): answered.
      const outside = await predict('device-3', field);
      expect(outside.status).toBe(200);
      expect(outside.body).toMatchObject({ version: 1, predictions: field.map((x) => lookupValue(x, 1)) });

      // The telemetry carries the errors: 12 failed rows against 10 served on v2.
      for (const id of CANARY) expect(await device(id).flushTelemetry()).toBeDefined();
      const v2Windows = () => fleet.store.telemetryWindows({ model: 'lookup', version: 2 });
      await waitFor(() => v2Windows().length === 2, 30_000);
      expect(v2Windows().reduce((a, w) => a + w.errors, 0)).toBe(3 * field.length);
      expect(v2Windows().reduce((a, w) => a + w.rows, 0)).toBe(2 * fine.length);
      expect(fleet.campaigns.get(c.id).state).toBe('soaking'); // judged only after the soak

      offset += SOAK_MS;
      await waitFor(() => fleet.campaigns.get(c.id).state === 'rolled-back', 30_000);
      const done = fleet.campaigns.get(c.id);
      const gate = done.waves[0]?.gates?.find((g) => g.gate === 'error-rate');
      // The share of the rows asked for that failed: 12 of 22.
      expect(gate).toMatchObject({
        passed: false,
        limit: 0.05,
        value: (3 * field.length) / (3 * field.length + 2 * fine.length),
      });
      expect(done.reason).toMatch(/error-rate/);
      expect(done.waves.map((w) => w.state)).toEqual(['rolled-back', 'pending']);

      // The canary goes back to v1, which it still holds in its other slot.
      for (const id of CANARY) await device(id).waitForModel((m) => m.version === 1, 30_000);
      const back = await predict('device-1', field);
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ version: 1 });
      const desired = fleet.store.getDesired('site-1');
      expect(desired?.models.find((m) => m.devices?.includes('device-1'))).toMatchObject({
        name: 'lookup',
        version: 1,
        rollback: true,
      });
    } finally {
      clearInterval(sample);
    }
    // No device outside the canary ever ran v2.
    expect([...(seen.get('device-3') ?? [])]).toEqual([1]);
    expect([...(seen.get('device-4') ?? [])]).toEqual([1]);
    expect([...(seen.get('device-1') ?? [])].sort()).toEqual([1, 2]);
  }, 120_000);
});
