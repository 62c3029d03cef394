/**
 * The whole thread end to end on loopback, on the committed occupancy v2 build (signed by the
 * release key, verified against firmware-models/signing.pub): real aedes brokers (port 0), real
 * SQLite in a temp dir, real onnxruntime-web sessions, real HTTP. Devices replay the spec's later
 * week (datatest2.csv, never trained on); drift is judged against the manifest's reference profile.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, encode, topics } from '@outpost/protocol';
import { createMqttTransport, enrollNode } from '@outpost/protocol/node';
import { DeviceErrorCodes, startDevice, type Device } from '@outpost/device';
import { loadReleasePublicKey } from '../../stack/model.ts';
import { enrollDevice, startStack, type Stack } from '../../stack/site.ts';
import { rowsSource, scaleFeature, spreadOrder } from '../../stack/replay.ts';
import { tamperCachedModel } from './tamper.ts';
import { waitFor } from './wait.ts';

/** Rows each device replays: ten 400-row windows, well above the 500 rows PSI needs to mean drift. */
const ROWS = 4000;
const WINDOW_ROWS = 400;

let dataDir: string;
let stack: Stack;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'outpost-thread-'));
  stack = await startStack({ dataDir, devices: 2, windowRows: WINDOW_ROWS });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the thread from a committed build to drift', () => {
  it('every device runs the registered artifact and predicts its golden examples as the manifest records', async () => {
    const { manifest, artifactId, version } = stack.model;
    const golden = manifest.golden;
    expect(golden.length).toBeGreaterThanOrEqual(5);
    expect(golden.some((g) => Object.values(g.inputs).includes(null))).toBe(true); // a missing value too
    const expected = golden.map((g) => g.outputs[manifest.predictionOutput]?.[0] as number);
    expect(new Set(expected).size).toBeGreaterThan(1); // both classes: the comparison can fail
    const complete = golden.flatMap((g, i) => (Object.values(g.inputs).includes(null) ? [] : [i]));
    const close = (p: number, i: number): void => {
      const want = expected[i] as number;
      expect(Math.abs(p - want) / Math.max(1, Math.abs(want)), `golden ${i}`).toBeLessThan(1e-4);
    };
    for (const device of stack.devices) {
      expect(device.active()?.artifactId).toBe(artifactId);
      // In process, every golden row (the missing value is imputed inside the graph).
      const local = await device.predict(golden.map((g) => ({ ...g.inputs })));
      expect(local.predictions).toHaveLength(expected.length);
      local.predictions.forEach(close);
      // Over HTTP, the complete rows; a row missing an input the model never saw missing in
      // training is refused per field (docs/SECURITY.md "Prediction input").
      const post = (rows: unknown[]): Promise<Response> =>
        fetch(`${device.httpUrl}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rows }),
        });
      const res = await post(complete.map((i) => golden[i]?.inputs));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { version: number; predictions: number[] };
      expect(body.version).toBe(version);
      expect(body.predictions).toHaveLength(complete.length);
      body.predictions.forEach((p, k) => close(p, complete[k] as number));
      const refused = await post(golden.filter((_g, i) => !complete.includes(i)).map((g) => g.inputs));
      expect(refused.status).toBe(400);
      const error = ((await refused.json()) as { error: { code: string; details: { fields: { field: string }[] } } })
        .error;
      expect(error.code).toBe(DeviceErrorCodes.INPUT_INVALID);
      expect(error.details.fields.map((f) => f.field)).toContain('Light');
    }
  });

  it('stores every telemetry window once, with low PSI for held-out rows and high PSI for Light × 1.5', async () => {
    const [plain, shifted] = stack.devices as [Device, Device];
    const rows = spreadOrder(stack.rows).slice(0, ROWS);
    // Counted per device over everything it ever sent: a window the window timer closed during the
    // setup above (under load) is in both counts, whichever side of this test it landed on.
    const stored = (d: Device): number =>
      stack.fleet.store.telemetryWindows({ model: stack.model.name, device: d.id }).length;
    await Promise.all([plain.replay(rowsSource(rows)), shifted.replay(rowsSource(rows, scaleFeature('Light', 1.5)))]);
    await Promise.all([plain.flushTelemetry(), shifted.flushTelemetry()]);
    const sent = plain.stats().windowsSent + shifted.stats().windowsSent;
    expect(plain.stats().outboxDepth + shifted.stats().outboxDepth).toBe(0); // flush waits for every receipt
    expect(sent).toBeGreaterThanOrEqual((2 * ROWS) / WINDOW_ROWS);
    await waitFor(() => stored(plain) + stored(shifted) >= sent, 30_000);
    expect(stored(plain)).toBe(plain.stats().windowsSent);
    expect(stored(shifted)).toBe(shifted.stats().windowsSent);

    const { name } = stack.model;
    const ok = stack.fleet.drift(name, { device: plain.id });
    // Every prediction the device made (replay plus the golden rows above) is counted exactly once.
    expect(ok.rows).toBe(plain.stats().predictions);
    expect(ok.rows).toBeGreaterThanOrEqual(ROWS);
    expect(ok.features.map((f) => f.feature).sort()).toEqual(stack.model.manifest.inputs.map((i) => i.name).sort());
    for (const f of ok.features) {
      expect(f.psi, f.feature).toBeLessThan(0.1);
      expect(f.status, f.feature).toBe('ok'); // enough rows to judge: not 'small-window'
    }
    expect(ok.prediction.psi).toBeLessThan(0.1);

    const drifted = stack.fleet.drift(name, { device: shifted.id });
    const light = drifted.features.find((f) => f.feature === 'Light');
    expect(light?.psi).toBeGreaterThan(0.25);
    expect(light?.status).toBe('major');
    expect(drifted.features[0]?.feature).toBe('Light');
  });

  it('dead-letters a bad telemetry message at the fleet and keeps serving', async () => {
    // An enrolled gateway sending junk (the broker refuses anyone else, docs/SECURITY.md "Broker access").
    const creds = await enrollNode({
      url: stack.fleet.enrollUrl as string,
      token: stack.fleet.createEnrollToken('site-junk').token,
      dataDir: join(dataDir, 'gateway-site-junk'),
    });
    const client = createMqttTransport({ url: stack.fleet.brokerUrl, clientId: 'gw-site-junk', ...creds });
    await client.start();
    try {
      const before = stack.fleet.stats().deadLetters;
      await client.publish(topics.device('device-junk', 'telemetry'), 'not json');
      await client.publish(topics.device('device-junk', 'telemetry'), encode({ device: 'device-junk', seq: 'x' }));
      await waitFor(() => stack.fleet.stats().deadLetters >= before + 2, 10_000);
      const letters = stack.fleet.store.deadLetters();
      const codes = letters.slice(-2).map((l) => l.code);
      expect(codes).toEqual([ErrorCodes.NOT_JSON, ErrorCodes.SCHEMA_INVALID]);
    } finally {
      await client.close();
    }
    // Still serving: a device's next window is stored.
    const [device] = stack.devices as [Device];
    const stored = stack.fleet.stats().telemetryStored;
    await device.replay(rowsSource(stack.rows.slice(0, 10)));
    await device.flushTelemetry();
    await waitFor(() => stack.fleet.stats().telemetryStored === stored + 1, 10_000);
  });
});

describe('a tampered gateway cache', () => {
  it('is never served: the gateway fetches the artifact again and a new device installs the genuine one', async () => {
    const { model } = stack;
    // Tamper the gateway's cached model (same size): its sha256 no longer matches the signed manifest.
    const cached = join(dataDir, 'gateway-site-1', 'artifacts', model.artifactId, 'model.onnx');
    const genuine = readFileSync(cached);
    await tamperCachedModel(join(dataDir, 'gateway-site-1'), model.artifactId);
    expect(readFileSync(cached).equals(genuine)).toBe(false);
    await enrollDevice(stack.gateway, 'device-tampered', join(dataDir, 'device-tampered'));
    const device = await startDevice({
      id: 'device-tampered',
      dataDir: join(dataDir, 'device-tampered'),
      brokerUrl: stack.gateway.localUrl,
      publicKeyPem: loadReleasePublicKey(),
      fleetKeyPem: stack.fleet.intentPublicKeyPem,
    });
    try {
      const active = await device.waitForModel(undefined, 30_000);
      expect(active.artifactId).toBe(model.artifactId);
      expect(readFileSync(cached).equals(genuine)).toBe(true); // repaired from the fleet
    } finally {
      await device.close();
    }
  });
});
