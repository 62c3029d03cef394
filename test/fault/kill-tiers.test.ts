/**
 * "Nothing lost across faults": the fleet, the gateway (with the site broker inside it) and the
 * device run as separate processes; each is SIGKILLed mid-stream and restarted on the same data
 * dir and port. At the end every telemetry window the device created is stored at the fleet
 * exactly once: the stored seqs are 1..n with n the device's last persisted seq. (Each kill is
 * checked to matter: without the device's outbox re-send, or the gateway's outbox, this fails.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLEET_KEY_FILE, type TelemetryWindow } from '@outpost/protocol';
import { FLEET_DB_FILE, openSqliteStore } from '@outpost/fleet';
import { openSqliteStore as openGatewayStore } from '@outpost/gateway';
import { RELEASE_PUBLIC_KEY, loadStackModel } from '../../stack/model.ts';
import { spreadOrder } from '../../stack/replay.ts';
import { enrollViaCli, freePort, kill, runCli, sleep, spawnTier, waitForOutput, type Tier } from './processes.ts';

const running: Tier[] = [];
let dir: string;

afterAll(async () => {
  for (const t of running) await kill(t, 'SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function csvOf(rows: Record<string, number | string | null>[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: number | string | null | undefined): string =>
    v === null || v === undefined ? '' : typeof v === 'string' ? `"${v}"` : String(v);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

describe('killing tiers mid-stream', () => {
  it('converges with every telemetry window stored exactly once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-fault-'));
    const logs = dir;
    // The committed occupancy v2 build, registered against the release key's public half.
    const model = await loadStackModel();
    const { name, version } = model.manifest;
    const rowsCsv = join(dir, 'rows.csv');
    writeFileSync(rowsCsv, csvOf(spreadOrder(model.rows).slice(0, 1500)));
    const pub = RELEASE_PUBLIC_KEY;
    const fleetDir = join(dir, 'fleet');
    const [fleetPort, sitePort] = [await freePort(), await freePort()];
    const [fleetEnrollPort, siteEnrollPort] = [await freePort(), await freePort()];
    const fleetUrl = `mqtt://127.0.0.1:${fleetPort}`;
    const siteUrl = `mqtt://127.0.0.1:${sitePort}`;

    await runCli('register', ['register', model.dir, '--data-dir', fleetDir, '--public-key', pub], logs);
    const fleetArgs = [
      'fleet',
      '--data-dir',
      fleetDir,
      '--port',
      String(fleetPort),
      '--enroll-port',
      String(fleetEnrollPort),
      '--public-key',
      pub,
      '--log-level',
      'warn',
    ];
    const gatewayArgs = [
      'gateway',
      '--id',
      'site-1',
      '--data-dir',
      join(dir, 'gateway'),
      '--upstream',
      fleetUrl,
      '--port',
      String(sitePort),
      '--enroll-port',
      String(siteEnrollPort),
      '--public-key',
      pub,
    ];
    const deviceDir = join(dir, 'device');
    const deviceArgs = [
      'device',
      '--id',
      'dev-1',
      '--data-dir',
      deviceDir,
      '--broker',
      siteUrl,
      '--public-key',
      pub,
      '--replay',
      rowsCsv,
      '--rate',
      '300',
      '--window-rows',
      '40',
      '--window-ms',
      '250',
      '--log-level',
      'warn',
    ];

    const start = async (name: string, args: string[], ready: RegExp): Promise<Tier> => {
      const t = spawnTier(name, args, logs);
      running.push(t);
      await waitForOutput(t, ready);
      return t;
    };

    const fleet = await start('fleet', fleetArgs, /mqtt:\/\//);
    const enrol = { logDir: logs };
    await enrollViaCli({
      ...enrol,
      kind: 'gateway',
      id: 'site-1',
      servingDataDir: fleetDir,
      enrollUrl: `http://127.0.0.1:${fleetEnrollPort}`,
      nodeDataDir: join(dir, 'gateway'),
    });
    // The gateway and the device are given the fleet's intent public key (docs/SECURITY.md "Signed intent").
    const intentKey = readFileSync(join(fleetDir, 'intent-key', 'signing.pub'));
    for (const d of [join(dir, 'gateway'), deviceDir]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, FLEET_KEY_FILE), intentKey);
    }
    const gateway = await start('gateway', gatewayArgs, /enrolment at/);
    await enrollViaCli({
      ...enrol,
      kind: 'device',
      id: 'dev-1',
      servingDataDir: join(dir, 'gateway'),
      enrollUrl: `http://127.0.0.1:${siteEnrollPort}`,
      nodeDataDir: deviceDir,
    });
    const device = await start('device', deviceArgs, /serving on/);
    // The fleet knows the gateway and its device once they reported; then the site is assigned,
    // and `assign` waits until the device runs it.
    const fleetStore = openSqliteStore(join(fleetDir, FLEET_DB_FILE));
    await until(() => fleetStore.listReported().some((r) => r.source === 'dev-1'), 'device known to the fleet', 60_000);
    const assigned = await runCli(
      'assign',
      ['assign', 'site-1', name, String(version), '--data-dir', fleetDir, '--broker', fleetUrl, '--timeout', '90s'],
      logs,
    );
    expect(assigned).toMatch(/1 of 1 device converged/);

    const stored = (): TelemetryWindow[] => fleetStore.telemetryWindows({ model: name, device: 'dev-1' });
    const storedSeqs = (): number[] =>
      stored()
        .map((w) => w.seq)
        .sort((a, b) => a - b);
    const state = (): { seq: number } =>
      JSON.parse(readFileSync(join(deviceDir, 'state.json'), 'utf8')) as { seq: number };
    const deviceOutbox = (): string[] =>
      existsSync(join(deviceDir, 'outbox')) ? readdirSync(join(deviceDir, 'outbox')) : [];
    try {
      // Windows flow end to end first.
      await until(() => stored().length >= 2, 'windows stored at the fleet');

      // The fleet dies: the gateway keeps relaying into its SQLite outbox. Then the gateway dies,
      // and the site broker with it: the device keeps predicting and its windows pile up
      // unacknowledged in its outbox folder. Then the device dies too. Only the two outboxes on
      // disk still hold those windows when everything comes back.
      await kill(fleet);
      const gatewayStore = openGatewayStore(join(dir, 'gateway'));
      await until(() => gatewayStore.outboxDepth() >= 3, 'windows queued in the gateway outbox');
      await kill(gateway);
      const gatewayPiledUp = gatewayStore.outboxDepth();
      gatewayStore.close();
      await until(() => deviceOutbox().length >= 3, 'windows queued in the device outbox');
      const devicePiledUp = deviceOutbox().length;
      await kill(device);
      // The last seq used before the kill: state.json's, or a window file written just before it
      // whose seq state.json had not caught up with (the device takes the larger on restart).
      const seqAtKill = Math.max(
        state().seq,
        ...deviceOutbox()
          .filter((f) => /^\d+\.json$/.test(f))
          .map((f) => Number(f.slice(0, -'.json'.length))),
      );
      await start('fleet', fleetArgs, /mqtt:\/\//);
      await start('gateway', gatewayArgs, /mqtt:\/\//);
      const restarted = await start('device', deviceArgs, /serving on/);
      await waitForOutput(restarted, /replayed \d+ rows/, 60_000);
      const replayed = Number(/replayed (\d+) rows/.exec(restarted.output())?.[1]);
      expect(replayed).toBe(1500);

      // Done when every row the restarted device predicted is in a stored window (the last one
      // closes on its timer), its outbox is empty, and every seq it ever used is stored.
      const rowsSinceRestart = (): number =>
        stored()
          .filter((w) => w.seq > seqAtKill)
          .reduce((sum, w) => sum + w.rows, 0);
      await until(
        () => rowsSinceRestart() === replayed && deviceOutbox().length === 0 && stored().length === state().seq,
        'every window of both runs stored',
        30_000,
      ).catch((err: unknown) => {
        throw new Error(
          `${(err as Error).message}: ${rowsSinceRestart()} of ${replayed} rows, outbox [${deviceOutbox().join(', ')}], ` +
            `${stored().length} stored of seq ${state().seq}\n${restarted.output()}`,
        );
      });
      const n = state().seq;
      // The kills really did catch windows in flight, at both layers.
      expect(gatewayPiledUp).toBeGreaterThan(2);
      expect(devicePiledUp).toBeGreaterThan(2);
      expect(n).toBeGreaterThan(20);
      expect(storedSeqs()).toEqual(Array.from({ length: n }, (_v, i) => i + 1));
    } finally {
      fleetStore.close();
    }
  }, 240_000);
});
