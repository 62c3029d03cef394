/**
 * Shadow mode end to end (docs/DEVICE.md "Shadow mode"): real fleet, gateway and two devices (real
 * brokers, SQLite, onnxruntime sessions). `outpost shadow` asks one device to run occupancy v1 beside
 * its active v2: every answer stays v2's, and the telemetry window the fleet stores carries v1's
 * agreement with v2 on exactly those rows — checked against v1 run separately — and its latency.
 */
import { EventEmitter } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSigningKeyPair,
  manifestBytes,
  signManifest,
  type FeatureValue,
  type Manifest,
  type SigningKeyPair,
} from '@outpost/protocol';
import { ensureEnrolled, runProgram, type CliIO } from '@outpost/protocol/node';
import { FleetErrorCodes, fleetCommands, startFleet, type Fleet } from '@outpost/fleet';
import { startGateway, type Gateway } from '@outpost/gateway';
import { createOrtNodeEngine, loadCsvRows, startDevice, type Device } from '@outpost/device';
import { FIRMWARE_MODELS } from '../../stack/model.ts';
import { waitFor } from './wait.ts';

interface Captured extends CliIO {
  stdout: string[];
  stderr: string[];
}

async function outpost(...args: string[]): Promise<Captured> {
  const io: Captured = {
    stdout: [],
    stderr: [],
    out: (t) => io.stdout.push(t),
    err: (t) => io.stderr.push(t),
    setExitCode: () => undefined,
  };
  const ctx = { io, signals: new EventEmitter() };
  const root = new Command('outpost').configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of fleetCommands(ctx)) root.addCommand(c);
  await runProgram(root, ['node', 'outpost', ...args], io);
  return io;
}
const code = (io: Captured): string | undefined => /^outpost: (OUTPOST_ERR_[A-Z_]+):/.exec(io.stderr[0] ?? '')?.[1];

function resigned(root: string, build: string, version: number, keys: SigningKeyPair): string {
  const src = join(FIRMWARE_MODELS, build);
  const m = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as Manifest;
  const { signature: _s, ...unsigned } = m;
  const dir = join(root, `${m.name}-v${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), manifestBytes(signManifest({ ...unsigned, version }, keys)));
  for (const f of m.files) copyFileSync(join(src, f.path), join(dir, f.path));
  return dir;
}

const ROWS = 300;
let root: string;
let fleet: Fleet;
let gateway: Gateway;
let devices: Device[];
let dataDir: string;
let v1Dir: string;
let keys: SigningKeyPair;
const common = (): string[] => ['--data-dir', dataDir, '--broker', fleet.brokerUrl, '--timeout', '60s'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'outpost-shadow-'));
  keys = generateSigningKeyPair();
  dataDir = join(root, 'fleet');
  fleet = await startFleet({ dataDir, port: 0, enrollPort: 0, publicKeyPem: keys.publicKeyPem });
  v1Dir = resigned(root, 'occupancy/1', 1, keys);
  await fleet.registerArtifact(v1Dir);
  await fleet.registerArtifact(resigned(root, 'occupancy/2', 2, keys));
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
  devices = [];
  for (const id of ['device-1', 'device-2']) {
    await ensureEnrolled({
      id,
      dataDir: join(root, id),
      enrollUrl: gateway.enrollUrl as string,
      createToken: (d) => gateway.createEnrollToken(d),
    });
    devices.push(
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
    () => fleet.store.listReported().filter((r) => r.kind === 'device' && r.gateway === 'site-1').length === 2,
    30_000,
  );
}, 120_000);

afterAll(async () => {
  for (const d of devices ?? []) await d.close();
  await gateway?.close();
  await fleet?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('shadow mode', () => {
  it('refuses an unregistered candidate and turning off a shadow that is not there, with codes', async () => {
    expect(code(await outpost('shadow', 'site-1', 'occupancy', '9', ...common()))).toBe(
      FleetErrorCodes.VERSION_NOT_REGISTERED,
    );
    expect(code(await outpost('shadow', 'site-1', '--off', ...common()))).toBe(FleetErrorCodes.NOT_ASSIGNED);
    expect(code(await outpost('shadow', 'site-9', 'occupancy', '1', ...common()))).toBe(
      FleetErrorCodes.UNKNOWN_GATEWAY,
    );
  });

  it('scores the candidate beside the active model, never serves it, and reports agreement in telemetry', async () => {
    const [d1, d2] = devices as [Device, Device];
    const assigned = await outpost('assign', 'site-1', 'occupancy', '2', ...common());
    expect(assigned.stderr).toEqual([]);
    await d1.waitForModel((m) => m.version === 2);
    await d2.waitForModel((m) => m.version === 2);

    const io = await outpost('shadow', 'site-1', 'occupancy', '1', '--devices', 'device-1', ...common());
    expect(io.stderr).toEqual([]);
    expect(io.stdout.join('\n')).toMatch(/shadow occupancy v1 on site-1 devices device-1/);
    await waitFor(() => d1.shadow()?.version === 1, 30_000);
    expect(d2.shadow()).toBeUndefined();
    expect(fleet.store.getDesired('site-1')?.signature).toBeDefined();

    const v1 = JSON.parse(readFileSync(join(v1Dir, 'manifest.json'), 'utf8')) as Manifest;
    const names = v1.inputs.map((i) => i.name);
    const all = await loadCsvRows(
      join(import.meta.dirname, '..', '..', 'trainer', 'datasets', 'occupancy-detection', 'datatest.csv'),
    );
    // Every 8th row, so both occupied and empty rooms are in it.
    const rows = all
      .filter((_r, i) => i % 8 === 0)
      .slice(0, ROWS)
      .map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? null])) as Record<string, FeatureValue>);
    const served: number[] = [];
    for (let i = 0; i < rows.length; i += 50) {
      const res = await fetch(`${d1.httpUrl}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows: rows.slice(i, i + 50) }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { version: number; predictions: number[] };
      expect(body.version).toBe(2); // the candidate is never served
      served.push(...body.predictions);
    }
    // v1 on its own, on the same rows: the agreement the device must report.
    const session = await createOrtNodeEngine().load(readFileSync(join(v1Dir, 'model.onnx')), v1);
    const candidate = (await session.run(rows)).predictions;
    await session.release();
    const agree = candidate.filter((p, i) => p === served[i]).length;
    expect(agree).toBeGreaterThan(0);
    expect(agree).toBeLessThan(ROWS); // the two versions differ on some rows: agreement is measured, not assumed

    const seq = await d1.flushTelemetry();
    expect(seq).toBeDefined();
    let window: ReturnType<Fleet['store']['telemetryWindows']>[number] | undefined;
    await waitFor(() => {
      window = fleet.store.telemetryWindows({ model: 'occupancy', device: 'device-1' }).find((w) => w.seq === seq);
      return window !== undefined;
    }, 30_000);
    expect(window?.version).toBe(2);
    expect(window?.rows).toBe(ROWS);
    const shadow = window?.shadow;
    expect(shadow).toMatchObject({ model: 'occupancy', version: 1, rows: ROWS, errors: 0 });
    expect(shadow?.agreement).toBeCloseTo(agree / ROWS, 12);
    expect(shadow?.difference).toBeUndefined();
    expect(shadow?.latency.counts.reduce((s, c) => s + c, 0)).toBe(ROWS);

    const off = await outpost('shadow', 'site-1', '--off', '--devices', 'device-1', ...common());
    expect(off.stderr).toEqual([]);
    await waitFor(() => d1.shadow() === undefined, 30_000);
    expect(d1.active()?.version).toBe(2);
  }, 120_000);
});
