/**
 * The campaign engine on a real fleet (real aedes, real SQLite) with simulated sites: waves,
 * gates, the action on a failed gate, pinning, pause/resume/abort, and a restart mid-campaign.
 * The fleet's clock is a fake one the tests move (soak and install times); the engine's passes
 * are called by the tests.
 */
import type { Alert } from '../../src/monitor/monitor-store.ts';
import { pauseCampaignsOnAlert } from '../../src/campaign/alert-pause.ts';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError } from '@outpost/protocol';
import type { CampaignEvent } from '../../src/campaign/campaigns.ts';
import { FleetErrorCodes } from '../../src/errors.ts';
import { startFleet, type Fleet } from '../../src/fleet.ts';
import { addToGroup, pinGroup } from '../../src/groups/groups.ts';
import { parseWaves } from '../../src/campaign/waves.ts';
import { newKeys, tempDir, writeFixtureArtifact, type FixtureArtifact } from '../fixtures.ts';
import { waitFor } from '../wait.ts';
import { simSite, type Behaviour, type SimSite } from './sim-site.ts';

const keys = newKeys();
const DEVICES = Array.from({ length: 10 }, (_, i) => `d${String(i).padStart(2, '0')}`);

describe('campaign engine', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  let fleet: Fleet;
  let site: SimSite;
  let v1: FixtureArtifact;
  let v2: FixtureArtifact;
  let events: CampaignEvent[];
  const clock = {
    t: Date.parse('2026-03-01T00:00:00Z'),
    now: () => clock.t,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    setInterval: (fn: () => void, ms: number) => setInterval(fn, ms),
    clearInterval: (h: unknown) => clearInterval(h as NodeJS.Timeout),
  };

  const open = (): Promise<Fleet> =>
    startFleet({
      dataDir,
      port: 0,
      publicKeyPem: keys.publicKeyPem,
      clock,
      // The tests run the passes; the poll loop stays out of the way.
      campaigns: { pollMs: 3_600_000, offlineAfterMs: 3_600_000, onEvent: (e) => events.push(e) },
    });

  async function setup(behaviour: (device: string, name: string, version: number) => Behaviour): Promise<void> {
    fleet = await open();
    await fleet.registerArtifact(v1.dir);
    await fleet.registerArtifact(v2.dir);
    site = await simSite({
      fleetDataDir: dataDir,
      brokerUrl: fleet.brokerUrl,
      gateway: 'gw1',
      devices: DEVICES,
      behaviour,
      initial: { name: 'housing', version: 1, artifactId: v1.artifactId },
    });
    await waitFor(() => fleet.store.listReported().filter((r) => r.kind === 'device').length === 10, 'devices known');
    await fleet.assign('gw1', 'housing', 1);
  }

  /** Devices of the fleet's store that report `version` of housing active. */
  const runningVersion = (version: number): string[] =>
    fleet.store
      .listReported()
      .filter((r) => r.kind === 'device' && r.models.some((m) => m.state === 'active' && m.version === version))
      .map((r) => r.source)
      .sort();

  beforeEach(() => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'fleet');
    v1 = writeFixtureArtifact(tmp.dir, keys, 'housing', 1, 1000);
    v2 = writeFixtureArtifact(tmp.dir, keys, 'housing', 2, 1000);
    events = [];
  });
  afterEach(async () => {
    await site?.close();
    await fleet?.close();
    tmp.remove();
  });

  it('a firing critical alert on the model pauses its running campaign; a warning or another model does not', async () => {
    await setup(() => 'ok');
    const c = fleet.campaigns.create(
      { model: 'housing', version: 2, target: { kind: 'site', gateway: 'gw1' }, steps: parseWaves('50%,100%') },
      { actor: 'alice' },
    );
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('running');
    const alert = (over: Partial<Alert>): Alert => ({
      id: 'a1',
      key: 'psi:housing:2:model',
      metric: 'drift.psi',
      scope: 'model',
      model: 'housing',
      version: 2,
      severity: 'critical',
      state: 'firing',
      summary: 'PSI 0.4 on x',
      value: 0.4,
      threshold: 0.25,
      since: '2026-03-01T00:00:00.000Z',
      updatedAt: '2026-03-01T00:00:00.000Z',
      ...over,
    });
    expect(pauseCampaignsOnAlert(fleet.campaigns, alert({ severity: 'warning' }), 'critical')).toEqual([]);
    expect(pauseCampaignsOnAlert(fleet.campaigns, alert({ model: 'other' }), 'any')).toEqual([]);
    expect(pauseCampaignsOnAlert(fleet.campaigns, alert({}), 'never')).toEqual([]);
    expect(pauseCampaignsOnAlert(fleet.campaigns, alert({ state: 'resolved' }), 'critical')).toEqual([]);
    expect(fleet.campaigns.get(c.id).state).toBe('running');
    expect(pauseCampaignsOnAlert(fleet.campaigns, alert({}), 'critical')).toEqual([c.id]);
    expect(fleet.campaigns.get(c.id).state).toBe('paused');
    expect(fleet.store.audit().at(-1)).toMatchObject({ actor: 'monitor', action: 'campaign.pause' });
  });

  it('halts a canary whose model fails its smoke test and rolls it back by itself; no other device is touched', async () => {
    await setup((_d, _n, version) => (version === 2 ? 'smoke-fail' : 'ok'));
    const c = fleet.campaigns.create(
      {
        model: 'housing',
        version: 2,
        target: { kind: 'site', gateway: 'gw1' },
        steps: parseWaves('50%,100%'),
        canary: ['d03', 'd07'],
        onFail: 'rollback',
      },
      { actor: 'alice', reason: 'new housing model' },
    );
    expect(c.waves.map((w) => w.devices.length)).toEqual([2, 3, 5]);
    expect(c.waves[0]?.devices.map((d) => d.device)).toEqual(['d03', 'd07']);

    await fleet.campaigns.tick(); // pending → wave 1 running, assigned
    await waitFor(
      () => fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'failed'),
      'canary refusals',
    );
    await fleet.campaigns.tick(); // the smoke gate fails → rolling back
    expect(fleet.campaigns.get(c.id).state).toBe('rolling-back');
    await fleet.campaigns.tick(); // rolled back
    const done = fleet.campaigns.get(c.id);
    expect(done.state).toBe('rolled-back');
    expect(done.waves.map((w) => w.state)).toEqual(['rolled-back', 'pending', 'pending']);
    expect(done.reason).toMatch(/smoke-failures 2/);
    const smoke = done.waves[0]?.gates?.find((g) => g.gate === 'smoke-failures');
    expect(smoke).toMatchObject({ passed: false, value: 2, limit: 0 });

    // The canary's devices were sent v2, then an explicit rollback to v1; nobody else got anything.
    // They still hold v1 in a slot: the rollback converges without an install.
    await waitFor(
      () => fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'converged'),
      'the canary converged on the rollback',
    );
    const touched = [...new Set(site.installs.map((i) => i.device))].sort();
    expect(touched).toEqual(['d03', 'd07']);
    expect(
      site.installs
        .filter((i) => i.version === 2)
        .map((i) => i.device)
        .sort(),
    ).toEqual(['d03', 'd07']);
    const desired = fleet.store.getDesired('gw1');
    const canary = desired?.models.find((m) => m.devices?.includes('d03'));
    expect(canary).toMatchObject({ name: 'housing', version: 1, rollback: true, devices: ['d03', 'd07'] });
    expect(runningVersion(1)).toEqual(DEVICES);
    expect(runningVersion(2)).toEqual([]);

    const actions = fleet.store
      .audit({ model: 'housing' })
      .filter((a) => a.target === c.id)
      .map((a) => a.action);
    expect(actions).toEqual(['campaign.start', 'campaign.wave-start', 'campaign.gate-failed', 'campaign.rolled-back']);
    const start = fleet.store.audit({ action: 'campaign.start' })[0];
    expect(start).toMatchObject({ actor: 'alice', reason: 'new housing model' });
    expect(events.map((e) => `${e.action}:${e.to}`)).toEqual([
      'start:pending',
      'wave-start:running',
      'gate-failed:rolling-back',
      'rolled-back:rolled-back',
    ]);
  });

  it('halts a model that passes its smoke test but errors at run time, on the error-rate gate after the soak', async () => {
    await setup((_d, _n, version) => (version === 2 ? 'runtime-errors' : 'ok'));
    const c = fleet.campaigns.create({
      model: 'housing',
      version: 2,
      target: { kind: 'site', gateway: 'gw1' },
      steps: parseWaves('20%,100%'),
      gates: { errorRateMax: 0.05, soakMs: 60_000 },
    });
    const wave1 = c.waves[0]?.devices.map((d) => d.device) ?? [];
    expect(wave1).toHaveLength(2);
    await fleet.campaigns.tick();
    await waitFor(
      () => fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'converged'),
      'wave 1 installed',
    );
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('soaking');
    await site.sendTelemetry();
    await waitFor(() => fleet.store.countTelemetry() === 10, 'windows stored');
    clock.t += 30_000;
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('soaking'); // the soak is not over
    clock.t += 31_000;
    await fleet.campaigns.tick();
    const paused = fleet.campaigns.get(c.id);
    expect(paused.state).toBe('paused');
    expect(paused.waves[0]?.gates?.find((g) => g.gate === 'error-rate')).toMatchObject({ passed: false, value: 1 });
    expect(paused.waves[0]?.gates?.find((g) => g.gate === 'install-success')).toMatchObject({ passed: true, value: 1 });
    expect(runningVersion(2)).toEqual([...wave1].sort());
    // Paused: no further wave starts however long it waits.
    clock.t += 600_000;
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('paused');
    expect(new Set(site.installs.map((i) => i.device))).toEqual(new Set(wave1));
  });

  it('rolls out wave after wave to done; a pinned group is skipped and reported; the error-rate gate passes on clean windows', async () => {
    await setup(() => 'ok');
    addToGroup({ groups: fleet.groups, store: fleet.store, clock }, 'lab', ['d01', 'd02']);
    pinGroup({ groups: fleet.groups, store: fleet.store, clock }, 'lab', 'housing', 1);
    const c = fleet.campaigns.create({
      model: 'housing',
      version: 2,
      target: { kind: 'site', gateway: 'gw1' },
      steps: parseWaves('1,50%,all'),
      gates: { errorRateMax: 0.05, p95RatioMax: 2, soakMs: 10_000 },
    });
    expect(c.skipped.map((s) => `${s.device}:${s.reason}`)).toEqual(['d01:pinned', 'd02:pinned']);
    expect(c.waves.map((w) => w.devices.length)).toEqual([1, 3, 4]);
    await site.sendTelemetry(); // the baseline: v1 windows
    await fleet.campaigns.tick(); // wave 1 starts; each later wave starts when the one before passes
    for (let wave = 0; wave < 3; wave++) {
      expect(fleet.campaigns.get(c.id)).toMatchObject({ state: 'running', current: wave });
      await waitFor(
        () => fleet.campaigns.status(c.id).waves[wave]?.devices.every((d) => d.state === 'converged'),
        `wave ${wave + 1} installed`,
      );
      await fleet.campaigns.tick();
      expect(fleet.campaigns.get(c.id).state).toBe('soaking');
      const stored = fleet.store.countTelemetry();
      await site.sendTelemetry();
      await waitFor(() => fleet.store.countTelemetry() === stored + 10, 'windows stored');
      clock.t += 10_000;
      if (wave < 2) {
        await fleet.campaigns.tick();
        expect(fleet.campaigns.get(c.id).waves[wave]?.state).toBe('passed');
      }
    }
    await fleet.campaigns.tick();
    const done = fleet.campaigns.get(c.id);
    expect(done.state).toBe('done');
    expect(done.waves.every((w) => w.state === 'passed')).toBe(true);
    expect(done.waves[2]?.gates?.find((g) => g.gate === 'p95-latency')).toMatchObject({ passed: true, value: 1 });
    await waitFor(() => runningVersion(2).length === 8, 'every unpinned device on v2');
    expect(runningVersion(1)).toEqual(['d01', 'd02']);
    expect(site.installs.some((i) => i.device === 'd01' || i.device === 'd02')).toBe(false);
    expect(fleet.campaigns.status(c.id).skipped).toHaveLength(2);
  });

  it('pauses, resumes and aborts; a finished campaign refuses with a code', async () => {
    await setup(() => 'ok');
    const c = fleet.campaigns.create({
      model: 'housing',
      version: 2,
      target: { kind: 'fleet' },
      steps: parseWaves('10%,100%'),
      gates: { soakMs: 0 },
    });
    fleet.campaigns.pause(c.id, { actor: 'bob', reason: 'alert: latency' });
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('paused');
    expect(site.installs).toEqual([]);
    fleet.campaigns.resume(c.id, { actor: 'bob' });
    expect(fleet.campaigns.get(c.id).state).toBe('pending');
    await fleet.campaigns.tick();
    await waitFor(() => fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'converged'), 'wave 1');
    fleet.campaigns.abort(c.id, { actor: 'bob', reason: 'changed my mind' });
    for (let i = 0; i < 3; i++) await fleet.campaigns.tick();
    const aborted = fleet.campaigns.get(c.id);
    expect(aborted.state).toBe('aborted');
    expect(aborted.waves[1]?.state).toBe('pending');
    expect(new Set(site.installs.map((i) => i.device)).size).toBe(1);
    let err: unknown;
    try {
      fleet.campaigns.resume(c.id);
    } catch (e) {
      err = e;
    }
    expect(isOutpostError(err, FleetErrorCodes.CAMPAIGN_STATE)).toBe(true);
    const trail = fleet.store.audit().filter((a) => a.target === c.id);
    expect(trail.map((a) => `${a.action}:${a.actor}`)).toEqual([
      expect.stringMatching(/^campaign\.start:/),
      'campaign.pause:bob',
      'campaign.resume:bob',
      'campaign.wave-start:campaign-engine',
      'campaign.abort:bob',
    ]);
  });

  it('continues a campaign after a fleet restart, from the state in the store', async () => {
    await setup(() => 'ok');
    const c = fleet.campaigns.create({
      model: 'housing',
      version: 2,
      target: { kind: 'site', gateway: 'gw1' },
      steps: parseWaves('50%,100%'),
      gates: { soakMs: 5_000 },
    });
    await fleet.campaigns.tick();
    await waitFor(() => fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'converged'), 'wave 1');
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('soaking');
    const before = new Map(DEVICES.map((d) => [d, site.active(d)]));
    await site.close();
    await fleet.close();

    // The devices keep what they run while the fleet is down.
    fleet = await open();
    site = await simSite({
      fleetDataDir: dataDir,
      brokerUrl: fleet.brokerUrl,
      gateway: 'gw1',
      devices: DEVICES,
      initial: (d) => before.get(d),
    });
    expect(fleet.campaigns.get(c.id)).toMatchObject({ state: 'soaking', current: 0 });
    await waitFor(
      () => fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'converged'),
      'reports',
    );
    clock.t += 5_000;
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id)).toMatchObject({ state: 'running', current: 1 });
    await waitFor(() => fleet.campaigns.status(c.id).waves[1]?.devices.every((d) => d.state === 'converged'), 'wave 2');
    await fleet.campaigns.tick();
    clock.t += 5_000;
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('done');
  });

  it('refuses a campaign it cannot run, with codes', async () => {
    await setup(() => 'ok');
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return isOutpostError(e) ? e.code : String(e);
      }
      return undefined;
    };
    const base = {
      model: 'housing',
      version: 2,
      target: { kind: 'site', gateway: 'gw1' } as const,
      steps: parseWaves('100%'),
    };
    expect(codeOf(() => fleet.campaigns.create({ ...base, version: 9 }))).toBe(FleetErrorCodes.VERSION_NOT_REGISTERED);
    expect(codeOf(() => fleet.campaigns.create({ ...base, target: { kind: 'site', gateway: 'nowhere' } }))).toBe(
      FleetErrorCodes.UNKNOWN_GATEWAY,
    );
    expect(codeOf(() => fleet.campaigns.create({ ...base, target: { kind: 'devices', devices: ['ghost'] } }))).toBe(
      FleetErrorCodes.UNKNOWN_DEVICE,
    );
    expect(codeOf(() => fleet.campaigns.create({ ...base, canary: ['ghost'] }))).toBe(FleetErrorCodes.CAMPAIGN_INVALID);
    expect(codeOf(() => fleet.campaigns.create({ ...base, gates: { installSuccessMin: 2 } }))).toBe(
      FleetErrorCodes.CAMPAIGN_INVALID,
    );
    expect(codeOf(() => fleet.campaigns.create({ ...base, version: 1 }))).toBe(FleetErrorCodes.CAMPAIGN_INVALID); // all at v1 already
    expect(codeOf(() => fleet.campaigns.get('nope'))).toBe(FleetErrorCodes.UNKNOWN_CAMPAIGN);
    // One campaign per model at a time: a second waits until the first is finished or aborted.
    const first = fleet.campaigns.create(base);
    expect(codeOf(() => fleet.campaigns.create(base))).toBe(FleetErrorCodes.CAMPAIGN_INVALID);
    fleet.campaigns.abort(first.id);
    expect(fleet.campaigns.create(base).id).toBe('housing-v2-2');
  });
});
