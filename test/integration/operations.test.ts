/**
 * The operator's commands on a real fleet, gateway and two devices (real brokers, SQLite, onnxruntime):
 * assignment semantics (site-wide + per-device override, two models on one site, no pile-up),
 * coded refusals, waiting for the per-device outcome, rollback to any earlier version as a signed
 * instruction (from a slot without a download), withdraw, the audit log, offline devices, and
 * `outpost drift` taking its version as an argument (docs/OPERATIONS.md).
 */
import { EventEmitter } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  generateSigningKeyPair,
  manifestBytes,
  signManifest,
  type Manifest,
  type SigningKeyPair,
} from '@outpost/protocol';
import { ExitCode, ensureEnrolled, runProgram, type CliIO } from '@outpost/protocol/node';
import { FLEET_DB_FILE, FleetErrorCodes, fleetCommands, openSqliteStore, startFleet, type Fleet } from '@outpost/fleet';
import { startGateway, type Gateway } from '@outpost/gateway';
import { startDevice, type Device } from '@outpost/device';
import { FIRMWARE_MODELS } from '../../stack/model.ts';
import { runCli, spawnTier } from '../fault/processes.ts';

interface Captured extends CliIO {
  stdout: string[];
  stderr: string[];
  exitCode: number | undefined;
}

/** Runs one `outpost` command line in this process, printing into a buffer; resolves with what it printed. */
async function outpost(...args: string[]): Promise<Captured> {
  const io: Captured = {
    stdout: [],
    stderr: [],
    exitCode: undefined,
    out: (t) => io.stdout.push(t),
    err: (t) => io.stderr.push(t),
    setExitCode: (c) => {
      io.exitCode = c;
    },
  };
  const ctx = { io, signals: new EventEmitter() };
  const root = new Command('outpost').configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of fleetCommands(ctx)) root.addCommand(c);
  await runProgram(root, ['node', 'outpost', ...args], io);
  return io;
}
const code = (io: Captured): string | undefined => /^outpost: (OUTPOST_ERR_[A-Z_]+):/.exec(io.stderr[0] ?? '')?.[1];

/** A committed build's files under a new version, signed with `keys` (the tests' release key). */
function resigned(root: string, build: string, version: number, keys: SigningKeyPair): string {
  const src = join(FIRMWARE_MODELS, build);
  const m = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as Manifest;
  const { signature: _s, ...unsigned } = m;
  const dir = join(root, `${m.name}-v${version}`);
  mkdirSync(dir, { recursive: true });
  const signed = signManifest({ ...unsigned, version, parentVersion: version > 1 ? version - 1 : null }, keys);
  writeFileSync(join(dir, 'manifest.json'), manifestBytes(signed));
  for (const f of m.files) copyFileSync(join(src, f.path), join(dir, f.path));
  return dir;
}

let root: string;
let fleet: Fleet;
let gateway: Gateway;
let devices: Device[];
let dataDir: string;
let keysPublicPem: string;
/** Artifact bytes the gateway has sent to device-1 (its transfer counter). */
const chunkBytes = (): number => gateway.status().servedBytes['device-1'] ?? 0;
const common = (): string[] => ['--data-dir', dataDir, '--broker', fleet.brokerUrl, '--timeout', '60s'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'outpost-ops-'));
  const keys = generateSigningKeyPair();
  keysPublicPem = keys.publicKeyPem;
  dataDir = join(root, 'fleet');
  fleet = await startFleet({ dataDir, port: 0, enrollPort: 0, publicKeyPem: keys.publicKeyPem });
  for (const [build, version] of [
    ['occupancy/1', 1],
    ['occupancy/2', 2],
    ['occupancy/2', 3],
    ['shipping/1', 1],
  ] as const)
    await fleet.registerArtifact(resigned(root, build, version, keys));
  // Every node enrols first (docs/SECURITY.md "Identity"); the enrol reply carries the intent key.
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
      }),
    );
  }
  const store = openSqliteStore(join(dataDir, FLEET_DB_FILE));
  try {
    for (const deadline = Date.now() + 30_000; ;) {
      const known = store.listReported().filter((r) => r.kind === 'device' && r.gateway === 'site-1').length;
      if (known === 2) break;
      if (Date.now() > deadline) throw new Error('devices not known to the fleet');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    store.close();
  }
}, 120_000);

afterAll(async () => {
  for (const d of devices ?? []) await d.close();
  await gateway?.close();
  await fleet?.close();
  rmSync(root, { recursive: true, force: true });
});

const running = (d: Device): string => `${d.active()?.name ?? '-'} v${d.active()?.version ?? '-'}`;

describe('operating a site', () => {
  it('refuses an unknown gateway, an unknown device and an unregistered version with a code and exit 1', async () => {
    for (const [args, expected] of [
      [['assign', 'site-9', 'occupancy', '1'], FleetErrorCodes.UNKNOWN_GATEWAY],
      [['assign', 'site-1', 'occupancy', '1', '--devices', 'ghost'], FleetErrorCodes.UNKNOWN_DEVICE],
      [['assign', 'site-1', 'occupancy', '9'], FleetErrorCodes.VERSION_NOT_REGISTERED],
    ] as const) {
      const io = await outpost(...args, ...common());
      expect(io.exitCode, io.stderr.join('\n')).toBe(ExitCode.FAILURE);
      expect(code(io)).toBe(expected);
    }
    expect(fleet.store.getDesired('site-9')).toBeUndefined();
    expect(fleet.store.getDesired('site-1')).toBeUndefined();
  });

  it('assigns site-wide and waits until every device runs it, printing each', async () => {
    const io = await outpost('assign', 'site-1', 'occupancy', '2', ...common());
    expect(io.exitCode, io.stderr.join('\n')).toBe(ExitCode.OK);
    expect(io.stdout.at(-1)).toBe('2 of 2 devices converged');
    expect(io.stdout.join('\n')).toMatch(/device-1\s+site-1\s+converged\s+occupancy v2\s+occupancy v2/);
    expect(devices.map(running)).toEqual(['occupancy v2', 'occupancy v2']);
    // The chunk replies the downloads took, in the gateway's status: none left in flight, none refused.
    await expect.poll(() => gateway.status().chunkReplies.inFlight).toBe(0);
    expect(gateway.status().chunkReplies).toMatchObject({ queued: 0, refused: 0 });
    expect(gateway.status().chunkReplies.peakInFlight).toBeGreaterThan(0);
    // And the fleet's replies to the gateway's own download, in the fleet's stats.
    await expect.poll(() => fleet.stats().artifactReplies.inFlight).toBe(0);
    expect(fleet.stats().artifactReplies).toMatchObject({ queued: 0, refused: 0 });
    expect(fleet.stats().artifactReplies.peakInFlight).toBeGreaterThan(0);
  });

  it('a per-device assignment overrides the site-wide one, and assigning again does not pile up', async () => {
    for (let i = 0; i < 2; i++) {
      const io = await outpost('assign', 'site-1', 'occupancy', '3', '--devices', 'device-1', ...common());
      expect(io.exitCode, io.stderr.join('\n')).toBe(ExitCode.OK);
      expect(io.stdout.at(-1)).toBe('1 of 1 device converged');
    }
    expect(devices.map(running)).toEqual(['occupancy v3', 'occupancy v2']);
    expect(fleet.store.getDesired('site-1')?.models.map((m) => [m.name, m.version, m.devices])).toEqual([
      ['occupancy', 2, undefined],
      ['occupancy', 3, ['device-1']],
    ]);
  });

  it('runs two models on one site, and an override removed falls back to the site-wide model', async () => {
    const io = await outpost('assign', 'site-1', 'shipping', '1', '--devices', 'device-2', ...common());
    expect(io.exitCode, io.stderr.join('\n')).toBe(ExitCode.OK);
    expect(devices.map(running)).toEqual(['occupancy v3', 'shipping v1']);

    const un = await outpost('unassign', 'site-1', '--devices', 'device-2', ...common());
    expect(un.exitCode, un.stderr.join('\n')).toBe(ExitCode.OK);
    await devices[1]?.waitForModel((m) => m.name === 'occupancy' && m.version === 2, 30_000);
  });

  it('an assignment older than what its scope runs is a rollback, not an assign', async () => {
    const io = await outpost('assign', 'site-1', 'occupancy', '1', ...common());
    expect(code(io)).toBe(FleetErrorCodes.VERSION_OLDER);
    expect(io.exitCode).toBe(ExitCode.FAILURE);
  });

  it('rolls back two versions at once: every device converges on v1 and the gateway says so truthfully', async () => {
    const io = await outpost('rollback', 'occupancy', '--to', '1', '--reason', 'v3 regressed', ...common());
    expect(io.exitCode, io.stderr.join('\n') + io.stdout.join('\n')).toBe(ExitCode.OK);
    expect(io.stdout.at(-1)).toBe('2 of 2 devices converged');
    expect(io.stdout.join('\n')).not.toContain(ErrorCodes.SIGNATURE_INVALID);
    expect(devices.map(running)).toEqual(['occupancy v1', 'occupancy v1']);
    const desired = fleet.store.getDesired('site-1');
    expect(desired?.models.every((m) => m.version === 1 && m.rollback === true)).toBe(true);
    for (const deadline = Date.now() + 15_000; ;) {
      const gw = fleet.store.listReported().find((r) => r.source === 'site-1');
      if (gw !== undefined && gw.revision === desired?.revision && gw.status === 'converged') break;
      if (Date.now() > deadline) throw new Error(`gateway did not report converged: ${JSON.stringify(gw)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const r of fleet.store.listReported().filter((x) => x.kind === 'device'))
      expect(r.models.some((m) => m.error !== undefined)).toBe(false);

    // The inventory says the same.
    const list = await outpost('devices', 'list', '--data-dir', dataDir, '--json', '--site', 'site-1');
    expect(
      (JSON.parse(list.stdout.join('\n')) as { id: string; state: string; active: { version: number } }[]).map((d) => [
        d.id,
        d.state,
        d.active.version,
      ]),
    ).toEqual([
      ['device-1', 'converged', 1],
      ['device-2', 'converged', 1],
    ]);
    const models = await outpost('models', 'show', 'occupancy:3', '--data-dir', dataDir, '--json');
    expect(JSON.parse(models.stdout.join('\n'))).toMatchObject([{ version: 3, parentVersion: 2, runningOn: [] }]);
    const table = await outpost('gateways', 'list', '--data-dir', dataDir);
    expect(table.stdout.join('\n')).toMatch(/site-1\s+converged\s+yes\s+(\d+)\/\1\s+2\s/);
  });

  it('moves forward again and back from the slots it holds, downloading nothing', async () => {
    const before = chunkBytes();
    const forward = await outpost('assign', 'site-1', 'occupancy', '3', '--devices', 'device-1', ...common());
    expect(forward.exitCode, forward.stderr.join('\n')).toBe(ExitCode.OK);
    expect(running(devices[0] as Device)).toBe('occupancy v3');

    const w = await outpost('withdraw', 'occupancy', '3', '--reason', 'bad batch', '--data-dir', dataDir, '--json');
    expect(w.exitCode).toBe(ExitCode.OK);
    expect(JSON.parse(w.stdout.join('\n'))).toMatchObject({
      runningOn: [{ device: 'device-1', gateway: 'site-1' }],
      assignedAt: ['site-1'],
    });

    const back = await outpost('rollback', 'occupancy', '--device', 'device-1', '--to', '1', ...common());
    expect(back.exitCode, back.stderr.join('\n')).toBe(ExitCode.OK);
    expect(running(devices[0] as Device)).toBe('occupancy v1');
    expect(chunkBytes()).toBe(before);

    const again = await outpost('assign', 'site-1', 'occupancy', '3', '--devices', 'device-1', ...common());
    expect(code(again)).toBe(FleetErrorCodes.VERSION_WITHDRAWN);
  });

  it('keeps who did what, when and why in the audit log', async () => {
    const io = await outpost('audit', '--data-dir', dataDir, '--json');
    const entries = JSON.parse(io.stdout.join('\n')) as { action: string; reason?: string; model?: string }[];
    expect(entries.map((e) => e.action)).toEqual([
      'assign',
      'assign',
      'assign',
      'assign',
      'unassign',
      'rollback',
      'assign',
      'withdraw',
      'rollback',
    ]);
    expect(entries.find((e) => e.action === 'withdraw')?.reason).toBe('bad batch');
    const rollbacks = await outpost('audit', '--data-dir', dataDir, '--action', 'rollback', '--since', '1h');
    expect(rollbacks.stdout.join('\n')).toMatch(/rollback\s+occupancy v1\s+fleet\s+v3 regressed/);
  });

  it('prints drift for the version devices ran (argument or --version, not the CLI version) and refuses one no device ran', async () => {
    const golden = devices[0]?.active()?.manifest.golden[0]?.inputs ?? {};
    await devices[0]?.predict([golden, golden, golden]);
    await devices[0]?.flushTelemetry();
    const store = openSqliteStore(join(dataDir, FLEET_DB_FILE));
    try {
      for (const deadline = Date.now() + 15_000; store.countTelemetry() === 0;) {
        if (Date.now() > deadline) throw new Error('no telemetry stored');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      store.close();
    }
    // Through the real `outpost` program: its root --version must not swallow the drift version.
    const table = await runCli('drift', ['drift', 'occupancy', '1', '--data-dir', dataDir], root);
    expect(table).toMatch(/^occupancy v1: 1 windows, 3 rows/m);
    const flag = await runCli('drift-flag', ['drift', 'occupancy', '--version', '1', '--data-dir', dataDir], root);
    expect(flag).toMatch(/^occupancy v1: 1 windows, 3 rows/m); // not the CLI's own version
    const byDefault = await runCli('drift-default', ['drift', 'occupancy', '--data-dir', dataDir], root);
    expect(byDefault).toMatch(/^occupancy v1: /m);
    const none = spawnTier('drift-none', ['drift', 'occupancy', '2', '--data-dir', dataDir], root);
    expect(await none.exited).toBe(ExitCode.FAILURE);
    expect(none.output()).toContain(FleetErrorCodes.NO_DEVICE_RUNS_VERSION);
  }, 180_000); // four `outpost` processes

  it('a stopped device shows offline and does not count as converged', async () => {
    await devices[1]?.close();
    await new Promise((r) => setTimeout(r, 1500));
    const io = await outpost('assign', 'site-1', 'occupancy', '2', ...common(), '--offline-after', '1s');
    expect(code(io)).toBe(FleetErrorCodes.OUTCOME_FAILED);
    expect(io.stdout.join('\n')).toMatch(/device-2\s+site-1\s+offline/);
    const offline = await outpost(
      'devices',
      'list',
      '--data-dir',
      dataDir,
      '--state',
      'offline',
      '--offline-after',
      '1s',
    );
    expect(offline.stdout.join('\n')).toMatch(/^device-2\s+site-1\s+offline\s/m);
    expect(offline.stdout.join('\n')).not.toContain('device-1');
    const unknown = await outpost('devices', 'show', 'device-9', '--data-dir', dataDir);
    expect(code(unknown)).toBe(FleetErrorCodes.UNKNOWN_DEVICE);
  });

  it('a device process killed with SIGKILL shows offline at once (its MQTT last will), not after the silence timeout', async () => {
    const pub = join(root, 'release.pub');
    writeFileSync(pub, keysPublicPem);
    await ensureEnrolled({
      id: 'device-p',
      dataDir: join(root, 'device-p'),
      enrollUrl: gateway.enrollUrl as string,
      createToken: (d) => gateway.createEnrollToken(d),
    });
    const proc = spawnTier(
      'device-p',
      [
        'device',
        '--id',
        'device-p',
        '--data-dir',
        join(root, 'device-p'),
        '--broker',
        gateway.localUrl,
        '--public-key',
        pub,
      ],
      root,
    );
    const report = (): { status: string } | undefined =>
      fleet.store.listReported().find((r) => r.source === 'device-p');
    for (const deadline = Date.now() + 60_000; report() === undefined || report()?.status === 'offline';) {
      if (Date.now() > deadline) throw new Error(`device-p never reported:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.child.kill('SIGKILL');
    await proc.exited;
    for (const deadline = Date.now() + 20_000; report()?.status !== 'offline';) {
      if (Date.now() > deadline) throw new Error('no last will arrived');
      await new Promise((r) => setTimeout(r, 50));
    }
    const list = await outpost('devices', 'list', '--data-dir', dataDir, '--state', 'offline'); // default 180 s timeout
    expect(list.stdout.join('\n')).toMatch(/^device-p\s+site-1\s+offline\s/m);
  }, 120_000);
});
