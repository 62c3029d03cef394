/**
 * The foundation thread end to end on loopback: real training, real ONNX, real aedes brokers (port
 * 0), real SQLite in a temp dir, real onnxruntime-web sessions, real HTTP.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, topics } from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { startDevice, type Device } from '@outpost/device';
import { startStack, type Stack } from '../../stack/site.ts';
import { incomeShift, rowsSource } from '../../stack/replay.ts';
import { waitFor } from './wait.ts';

let dataDir: string;
let stack: Stack;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'outpost-thread-'));
  stack = await startStack({ dataDir, devices: 2, windowRows: 400 });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the foundation thread', () => {
  it('every device runs the trained artifact and predicts the golden examples as the trainer does', async () => {
    const golden = stack.trained.manifest.golden;
    const inputs = golden.map((g) => g.inputs);
    const expected = stack.trained.predict(inputs);
    for (const device of stack.devices) {
      expect(device.active()?.artifactId).toBe(stack.trained.artifactId);
      const res = await fetch(`${device.httpUrl}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows: inputs }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { version: number; predictions: number[] };
      expect(body.version).toBe(stack.trained.version);
      expect(body.predictions).toHaveLength(expected.length);
      body.predictions.forEach((p, i) => {
        const want = expected[i] as number;
        expect(Math.abs(p - want) / Math.max(1, Math.abs(want))).toBeLessThan(1e-4);
      });
    }
  });

  it('stores every telemetry window once, with low PSI for held-out rows and high PSI for shifted income', async () => {
    const [plain, shifted] = stack.devices as [Device, Device];
    const rows = stack.trained.heldOutRows;
    const before = stack.fleet.stats().telemetryStored;
    await Promise.all([plain.replay(rowsSource(rows)), shifted.replay(rowsSource(rows, incomeShift(1.5)))]);
    await Promise.all([plain.flushTelemetry(), shifted.flushTelemetry()]);
    const sent = plain.stats().windowsSent + shifted.stats().windowsSent;
    expect(plain.stats().outboxDepth + shifted.stats().outboxDepth).toBe(0); // flush waits for every PUBACK
    expect(sent).toBeGreaterThanOrEqual(2 * Math.floor(rows.length / 400));
    await waitFor(() => stack.fleet.stats().telemetryStored - before >= sent, 30_000);
    expect(stack.fleet.stats().telemetryStored - before).toBe(sent);

    const ok = stack.fleet.drift(stack.trained.name, { device: plain.id });
    // Every prediction the device made (replay plus the golden rows above) is counted exactly once.
    expect(ok.rows).toBe(plain.stats().predictions);
    expect(ok.rows).toBeGreaterThanOrEqual(rows.length);
    for (const f of ok.features) expect(f.psi, f.feature).toBeLessThan(0.1);

    const drifted = stack.fleet.drift(stack.trained.name, { device: shifted.id });
    const income = drifted.features.find((f) => f.feature === 'median_income');
    expect(income?.psi).toBeGreaterThan(0.25);
    expect(drifted.features[0]?.feature).toBe('median_income');
  });

  it('dead-letters a bad telemetry message at the fleet and keeps serving', async () => {
    const client = createMqttTransport({ url: stack.fleet.brokerUrl, clientId: 'intruder' });
    await client.start();
    try {
      const before = stack.fleet.stats().deadLetters;
      await client.publish(topics.device('device-1', 'telemetry'), 'not json');
      await client.publish(topics.device('device-1', 'telemetry'), encode({ device: 'device-1', seq: 'x' }));
      await waitFor(() => stack.fleet.stats().deadLetters >= before + 2, 10_000);
      const letters = stack.fleet.store.deadLetters();
      const codes = letters.slice(-2).map((l) => l.code);
      expect(codes).toEqual(['OUTPOST_ERR_NOT_JSON', 'OUTPOST_ERR_SCHEMA_INVALID']);
    } finally {
      await client.close();
    }
    // Still serving: a device's next window is stored.
    const [device] = stack.devices as [Device];
    const stored = stack.fleet.stats().telemetryStored;
    await device.replay(rowsSource(stack.trained.heldOutRows.slice(0, 10)));
    await device.flushTelemetry();
    await waitFor(() => stack.fleet.stats().telemetryStored === stored + 1, 10_000);
  });
});

describe('a tampered gateway cache', () => {
  it('is never served: the gateway fetches the artifact again and a new device installs the genuine one', async () => {
    const { trained } = stack;
    // Tamper the gateway's cached model (same size): its sha256 no longer matches the signed manifest.
    const cached = join(dataDir, 'gateway-site-1', 'artifacts', trained.artifactId, 'model.onnx');
    const genuine = readFileSync(cached);
    const { tamperCachedModel } = await import('./tamper.ts');
    await tamperCachedModel(join(dataDir, 'gateway-site-1'), trained.artifactId);
    expect(readFileSync(cached).equals(genuine)).toBe(false);
    const device = await startDevice({
      id: 'device-tampered',
      dataDir: join(dataDir, 'device-tampered'),
      brokerUrl: stack.gateway.localUrl,
      publicKeyPem: (await import('@outpost/trainer')).loadOrCreateKeyPair(join(dataDir, 'keys')).publicKeyPem,
    });
    try {
      const active = await device.waitForModel(undefined, 30_000);
      expect(active.artifactId).toBe(trained.artifactId);
      expect(readFileSync(cached).equals(genuine)).toBe(true); // repaired from the fleet
    } finally {
      await device.close();
    }
  });
});
