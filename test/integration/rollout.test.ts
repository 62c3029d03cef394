/**
 * Campaigns over a simulated fleet behind real gateways (`stack/sim`): real brokers, real SQLite,
 * devices that verify signed desired states and pull verified artifacts through their gateway. A
 * canary with a model failing its smoke test halts and rolls back by itself, no device outside the
 * canary touched; a good version goes through its waves to done (docs/OPERATIONS.md "Campaigns").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '@outpost/protocol';
import { openFleetCredentials, parseWaves, startFleet, type Fleet } from '@outpost/fleet';
import { issueCredentials } from '@outpost/protocol/node';
import { startSim, type Sim } from '../../stack/sim/sim.ts';
import { writeSimArtifact } from '../../stack/sim/artifact.ts';

let root: string;
let fleet: Fleet;
let sim: Sim;

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const downloads = (): Map<string, number> => new Map(sim.devices.map((d) => [d.id, d.downloads]));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'outpost-rollout-'));
  const keys = generateSigningKeyPair();
  fleet = await startFleet({
    dataDir: join(root, 'fleet'),
    port: 0,
    publicKeyPem: keys.publicKeyPem,
    campaigns: { pollMs: 100 },
  });
  for (const v of [1, 2, 3])
    await fleet.registerArtifact(writeSimArtifact(root, keys, { name: 'housing', version: v, modelBytes: 50_000 }).dir);
  sim = await startSim({
    dataDir: join(root, 'sim'),
    fleetBrokerUrl: fleet.brokerUrl,
    publicKeyPem: keys.publicKeyPem,
    fleetKeyPem: fleet.intentPublicKeyPem,
    // Issued into the fleet's credential store, as enrolment would.
    gatewayCredentials: (id) => {
      const { store } = openFleetCredentials(join(root, 'fleet'));
      try {
        return { id, ...issueCredentials(store, id, Date.now()) };
      } finally {
        store.close();
      }
    },
    gateways: 2,
    devices: 12,
    fault: 'bad-model',
    badVersions: [3],
    heartbeatMs: 1000,
  });
  await until('12 devices known', () => fleet.store.listReported().filter((r) => r.kind === 'device').length === 12);
  for (const g of sim.gateways) await fleet.assign(g.id, 'housing', 1);
  await until('v1 everywhere', () => sim.devices.every((d) => d.active()?.version === 1));
}, 120_000);

afterAll(async () => {
  await sim?.close();
  await fleet?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('campaigns on a simulated fleet', () => {
  it('halts a canary whose model fails its smoke test, rolls it back, and touches no other device', async () => {
    const before = downloads();
    const c = fleet.campaigns.create({
      model: 'housing',
      version: 3,
      target: { kind: 'fleet' },
      steps: parseWaves('25%,100%'),
      canary: ['sim-dev-03', 'sim-dev-08'],
      onFail: 'rollback',
    });
    const done = await until('rolled back', () => {
      const s = fleet.campaigns.get(c.id);
      return s.state === 'rolled-back' ? s : undefined;
    });
    // It halts at the first refusal (no device may fail its smoke test), not after the whole wave.
    const smoke = done.waves[0]?.gates?.find((g) => g.gate === 'smoke-failures');
    expect(smoke?.passed).toBe(false);
    expect(smoke?.value).toBeGreaterThanOrEqual(1);
    await until('canary back on v1', () =>
      fleet.campaigns
        .status(c.id)
        .waves[0]?.devices.every((d) => d.state === 'converged' && d.running === 'housing v1'),
    );
    const after = downloads();
    const touched = [...after]
      .filter(([id, n]) => n !== before.get(id))
      .map(([id]) => id)
      .sort();
    // Only canary devices downloaded it (the second may not have started before the halt).
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.every((d) => ['sim-dev-03', 'sim-dev-08'].includes(d))).toBe(true);
    expect(sim.devices.every((d) => d.active()?.version === 1)).toBe(true);
  }, 60_000);

  it('takes a good version through its waves to done', async () => {
    const c = fleet.campaigns.create({
      model: 'housing',
      version: 2,
      target: { kind: 'fleet' },
      steps: parseWaves('2,50%,all'),
      gates: { soakMs: 200 },
    });
    const done = await until(
      'done',
      () => (fleet.campaigns.get(c.id).state === 'done' ? fleet.campaigns.get(c.id) : undefined),
      90_000,
    );
    expect(done.waves.map((w) => w.devices.length)).toEqual([2, 4, 6]);
    expect(sim.devices.every((d) => d.active()?.version === 2)).toBe(true);
    const actions = fleet.store
      .audit()
      .filter((a) => a.target === c.id)
      .map((a) => a.action);
    expect(actions.filter((a) => a === 'campaign.wave-passed')).toHaveLength(2);
    expect(actions.at(-1)).toBe('campaign.done');
  }, 120_000);
});
