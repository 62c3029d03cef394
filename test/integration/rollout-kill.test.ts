/**
 * A fleet killed mid-campaign (SIGKILL, a real process) continues the campaign when it starts
 * again, from the state in fleet.db: the waves already passed are not redone and every device of
 * the simulated fleet (real gateways, stack/sim) ends on the new version (docs/ARCHITECTURE.md
 * "Campaigns").
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateSigningKeyPair } from '@outpost/protocol';
import { issueCredentials } from '@outpost/protocol/node';
import { FLEET_DB_FILE, openFleetCredentials, openSqliteCampaignStore, type Campaign } from '@outpost/fleet';
import { startSim, type Sim } from '../../stack/sim/sim.ts';
import { writeSimArtifact } from '../../stack/sim/artifact.ts';
import { freePort, kill, runCli, spawnTier, waitForOutput, type Tier } from '../fault/processes.ts';

const root = mkdtempSync(join(tmpdir(), 'outpost-rollout-kill-'));
let fleetTier: Tier | undefined;
let sim: Sim | undefined;

afterAll(async () => {
  await sim?.close();
  if (fleetTier) await kill(fleetTier);
  rmSync(root, { recursive: true, force: true });
});

function campaign(dataDir: string, id: string): Campaign | undefined {
  const store = openSqliteCampaignStore(join(dataDir, FLEET_DB_FILE));
  try {
    return store.get(id);
  } finally {
    store.close();
  }
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('continues a campaign after the fleet process is killed mid-wave', async () => {
  const keys = generateSigningKeyPair();
  const pub = join(root, 'signing.pub');
  writeFileSync(pub, keys.publicKeyPem);
  const dataDir = join(root, 'fleet');
  const logs = join(root, 'logs');
  const port = await freePort();
  const broker = `mqtt://127.0.0.1:${port}`;
  const startFleetTier = async (): Promise<Tier> => {
    const t = spawnTier('fleet', ['fleet', '--data-dir', dataDir, '--port', String(port), '--public-key', pub], logs);
    await waitForOutput(t, /fleet running/, 60_000);
    return t;
  };
  mkdirSync(logs, { recursive: true });
  fleetTier = await startFleetTier();
  for (const v of [1, 2]) {
    const a = writeSimArtifact(root, keys, { name: 'housing', version: v, modelBytes: 20_000 });
    await runCli(`register-${v}`, ['register', a.dir, '--data-dir', dataDir, '--public-key', pub], logs);
  }
  sim = await startSim({
    dataDir: join(root, 'sim'),
    fleetBrokerUrl: broker,
    publicKeyPem: keys.publicKeyPem,
    fleetKeyPem: readFileSync(join(dataDir, 'intent-key', 'signing.pub'), 'utf8'),
    gatewayCredentials: (id) => {
      const { store } = openFleetCredentials(dataDir);
      try {
        return { id, ...issueCredentials(store, id, Date.now()) };
      } finally {
        store.close();
      }
    },
    gateways: 2,
    devices: 8,
    heartbeatMs: 1000,
  });
  const common = ['--data-dir', dataDir, '--broker', broker, '--timeout', '60s'];
  for (const g of sim.gateways) {
    await until(`${g.id} reported`, () => g.status().devices.length === 4, 30_000);
    await runCli(`assign-${g.id}`, ['assign', g.id, 'housing', '1', ...common], logs);
  }
  const out = await runCli(
    'rollout',
    ['rollout', 'start', 'housing', '2', '--waves', '25%,50%,100%', '--soak', '2s', '--no-wait', '--data-dir', dataDir],
    logs,
  );
  const id = /started campaign (\S+):/.exec(out)?.[1] as string;
  expect(id).toBe('housing-v2-1');

  // Killed while the second wave is on its way.
  await until('wave 2', () => (campaign(dataDir, id)?.current ?? 0) >= 1, 60_000);
  await kill(fleetTier);
  const atKill = campaign(dataDir, id) as Campaign;
  expect(['running', 'soaking']).toContain(atKill.state);
  expect(atKill.current).toBe(1);

  fleetTier = await startFleetTier();
  const done = await until(
    'done',
    () => (campaign(dataDir, id)?.state === 'done' ? campaign(dataDir, id) : undefined),
    90_000,
  );
  expect(done.waves.map((w) => w.state)).toEqual(['passed', 'passed', 'passed']);
  expect(done.waves[0]?.startedAt).toBe(atKill.waves[0]?.startedAt); // wave 1 was not redone
  await until('every device on v2', () => sim?.devices.every((d) => d.active()?.version === 2), 30_000);
  // Each device downloaded v1 and v2 once: nothing was installed twice.
  expect(sim.devices.map((d) => d.downloads)).toEqual(new Array(8).fill(2));
}, 240_000);
