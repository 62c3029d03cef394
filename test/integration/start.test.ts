/**
 * `outpost start` (`npm start`) as a user runs it, as a real process on real ports: it refuses
 * ports another program holds before it touches its data dir, and a restart on the same data dir
 * reuses what it registered and assigned — also after an operator registered and assigned other
 * versions in between.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_DB_FILE, openSqliteStore } from '@outpost/fleet';
import { FIRMWARE_MODELS, RELEASE_PUBLIC_KEY, loadStackModel, type StackModel } from '../../stack/model.ts';
import { freePort, kill, runCli, spawnTier, waitForOutput, type Tier } from '../fault/processes.ts';

let root: string;
let model: StackModel;
const running: Tier[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'outpost-start-'));
  model = await loadStackModel();
});
afterEach(async () => {
  for (const t of running.splice(0)) await kill(t, 'SIGTERM');
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A real listener holding a port, as another program would. */
async function occupy(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as { port: number }).port;
}

function startArgs(dataDir: string, ports: { fleet: number; gateway: number; http: number }, devices = 1): string[] {
  return [
    'start',
    '--data-dir',
    dataDir,
    '--fleet-port',
    String(ports.fleet),
    '--gateway-port',
    String(ports.gateway),
    '--http-port',
    String(ports.http),
    '--devices',
    String(devices),
    '--rate',
    '50',
    '--api-port',
    '0',
  ];
}

describe('outpost start with a port taken', () => {
  for (const [which, option] of [
    ['fleet', '--fleet-port'],
    ['gateway', '--gateway-port'],
    ['second device', '--http-port'],
  ] as const) {
    it(`says which port (${which}) and which option moves it, exits 1 without a stack trace, and writes nothing`, async () => {
      const taken = await occupy();
      const ports = { fleet: await freePort(), gateway: await freePort(), http: await freePort() };
      if (which === 'fleet') ports.fleet = taken;
      if (which === 'gateway') ports.gateway = taken;
      if (which === 'second device') ports.http = taken - 1;
      const dataDir = join(root, `taken-${which.replace(' ', '-')}`);
      const t = spawnTier(`start-taken-${which.replace(' ', '-')}`, startArgs(dataDir, ports, 2), root);
      running.push(t);
      expect(await t.exited).toBe(1);
      const out = t.output();
      expect(out).toContain(`port ${taken} `);
      expect(out).toContain(option);
      expect(out).not.toMatch(/^\s+at /m); // no stack trace
      expect(existsSync(dataDir)).toBe(false); // checked before any work
    }, 60_000);
  }

  it('a port asked for twice is a usage error (exit 2)', async () => {
    const p = await freePort();
    const dataDir = join(root, 'twice');
    const t = spawnTier('start-twice', startArgs(dataDir, { fleet: p, gateway: p, http: await freePort() }), root);
    running.push(t);
    expect(await t.exited).toBe(2);
    expect(t.output()).toContain('--gateway-port');
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);
});

describe('outpost start restarted on the same data dir', () => {
  it('reuses its registration and assignment, and puts its model back after an operator changed the gateway', async () => {
    const dataDir = join(root, 'stack');
    const fleetDir = join(dataDir, 'fleet');
    const ports = { fleet: await freePort(), gateway: await freePort(), http: await freePort() };
    const { name, version } = model.manifest;
    const golden = model.manifest.golden[0];

    /** One `npm start` until it is up; returns the process and the version device-1 serves. */
    const up = async (label: string): Promise<{ t: Tier; served: number }> => {
      const t = spawnTier(label, startArgs(dataDir, ports), root);
      running.push(t);
      await waitForOutput(t, /Ctrl-C stops\./, 120_000);
      const res = await fetch(`http://127.0.0.1:${ports.http}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: golden?.inputs }),
      });
      expect(res.status, t.output()).toBe(200);
      return { t, served: ((await res.json()) as { version: number }).version };
    };
    // Ctrl-C under `npm start` delivers SIGINT twice (the terminal's, then tsx's relay): the
    // second one arrives while the stack closes.
    const stop = async (t: Tier): Promise<void> => {
      t.child.kill('SIGINT');
      await waitForOutput(t, /stopping \(SIGINT\)/);
      t.child.kill('SIGINT');
      expect(await t.exited, t.output()).toBe(0);
      expect(t.output()).toContain('stopped');
    };
    const registry = (): {
      names: string[];
      registeredAt: string[];
      desired: { revision: number; models: string[] };
    } => {
      const store = openSqliteStore(join(fleetDir, FLEET_DB_FILE));
      try {
        const all = store.listArtifacts();
        const desired = store.getDesired('site-1');
        return {
          names: all.map((a) => `${a.name}/${a.version}/${a.artifactId}`),
          registeredAt: all.map((a) => a.registeredAt),
          desired: {
            revision: desired?.revision ?? 0,
            models: (desired?.models ?? []).map((m) => `${m.name}/${m.version}`),
          },
        };
      } finally {
        store.close();
      }
    };

    // First start: registers and assigns the committed build.
    const first = await up('start-1');
    expect(first.served).toBe(version);
    await stop(first.t);
    const afterFirst = registry();
    expect(afterFirst.names).toEqual([`${name}/${version}/${model.artifactId}`]);
    expect(afterFirst.desired).toEqual({ revision: 1, models: [`${name}/${version}`] });

    // Second start: nothing new in the registry, no new desired revision.
    const second = await up('start-2');
    expect(second.served).toBe(version);
    expect(registry()).toEqual(afterFirst);

    // Meanwhile an operator registers two other committed builds and rolls the site back to v1.
    const cli = (args: string[]): Promise<string> => runCli('operator', args, root);
    for (const build of ['housing/1', `${name}/1`])
      await cli(['register', join(FIRMWARE_MODELS, build), '--data-dir', fleetDir, '--public-key', RELEASE_PUBLIC_KEY]);
    const rolled = await cli([
      'rollback',
      name,
      '--to',
      '1',
      '--site',
      'site-1',
      '--timeout',
      '90s',
      '--data-dir',
      fleetDir,
      '--broker',
      `mqtt://127.0.0.1:${ports.fleet}`,
    ]);
    expect(rolled).toMatch(/1 of 1 device converged/);
    await stop(second.t);
    const operated = registry();
    expect(operated.names).toHaveLength(3);
    expect(operated.desired.models).toEqual([`${name}/1`]);

    // Third start: keeps the operator's registrations, registers nothing twice, assigns its own
    // model again (one new revision) and the device serves it.
    const third = await up('start-3');
    await stop(third.t);
    const afterThird = registry();
    expect(afterThird.names).toEqual(operated.names);
    expect(afterThird.registeredAt).toEqual(operated.registeredAt);
    expect(afterThird.desired).toEqual({ revision: operated.desired.revision + 1, models: [`${name}/${version}`] });
    expect(third.served).toBe(version);
  }, 400_000);
});
