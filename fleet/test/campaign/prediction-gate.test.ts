/**
 * The prediction-drift gate on a real fleet (real aedes, real SQLite) with a simulated site: the
 * PSI of the new version's prediction bins over the wave's soak against the manifest's reference
 * (50/50 over 2 bins in the fixture artifacts), the small-sample wait, and the action on failure.
 * The fleet's clock is a fake one the tests move; the engine's passes are called by the tests.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError } from '@outpost/protocol';
import { parseWaves } from '../../src/campaign/waves.ts';
import { psi } from '../../src/drift/psi.ts';
import { FleetErrorCodes } from '../../src/errors.ts';
import { startFleet, type Fleet } from '../../src/fleet.ts';
import { newKeys, tempDir, writeFixtureArtifact, type FixtureArtifact } from '../fixtures.ts';
import { waitFor } from '../wait.ts';
import { simSite, type SimSite } from './sim-site.ts';

const keys = newKeys();
const DEVICES = Array.from({ length: 10 }, (_, i) => `d${String(i).padStart(2, '0')}`);

describe('prediction-drift gate', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  let fleet: Fleet;
  let site: SimSite;
  let v1: FixtureArtifact;
  let v2: FixtureArtifact;
  const clock = {
    t: Date.parse('2026-03-01T00:00:00Z'),
    now: () => clock.t,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    setInterval: (fn: () => void, ms: number) => setInterval(fn, ms),
    clearInterval: (h: unknown) => clearInterval(h as NodeJS.Timeout),
  };

  async function setup(): Promise<void> {
    fleet = await startFleet({
      dataDir,
      port: 0,
      publicKeyPem: keys.publicKeyPem,
      clock,
      campaigns: { pollMs: 3_600_000, offlineAfterMs: 3_600_000 },
    });
    await fleet.registerArtifact(v1.dir);
    await fleet.registerArtifact(v2.dir);
    site = await simSite({
      fleetDataDir: dataDir,
      brokerUrl: fleet.brokerUrl,
      gateway: 'gw1',
      devices: DEVICES,
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

  /** Starts the campaign and brings its first wave to the soak. */
  async function soakFirstWave(gates: Record<string, number>, onFail: 'pause' | 'rollback' = 'rollback') {
    const c = fleet.campaigns.create({
      model: 'housing',
      version: 2,
      target: { kind: 'site', gateway: 'gw1' },
      steps: parseWaves('20%,100%'),
      gates: { soakMs: 60_000, ...gates },
      onFail,
    });
    await fleet.campaigns.tick();
    await waitFor(
      () => fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'converged'),
      'wave 1 installed',
    );
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('soaking');
    return { c, wave1: (c.waves[0]?.devices.map((d) => d.device) ?? []).sort() };
  }

  async function send(rows: number, pred: (version: number) => number[]): Promise<void> {
    const stored = fleet.store.countTelemetry();
    await site.sendTelemetry(rows, (_d, version) => pred(version));
    await waitFor(() => fleet.store.countTelemetry() === stored + DEVICES.length, 'windows stored');
  }

  beforeEach(() => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'fleet');
    v1 = writeFixtureArtifact(tmp.dir, keys, 'housing', 1, 1000);
    v2 = writeFixtureArtifact(tmp.dir, keys, 'housing', 2, 1000);
  });
  afterEach(async () => {
    await site?.close();
    await fleet?.close();
    tmp.remove();
  });

  it('a wave whose predictions drift fails the gate and is rolled back; no device outside it is touched', async () => {
    await setup();
    const { c, wave1 } = await soakFirstWave({ predictionPsiMax: 0.25, predictionMinRows: 200 });
    // v2 predicts 90% into the first bin; the reference is 50/50. v1 devices stay balanced.
    await send(400, (v) => (v === 2 ? [360, 40] : [200, 200]));
    clock.t += 60_000;
    await fleet.campaigns.tick();
    const failed = fleet.campaigns.get(c.id);
    expect(failed.state).toBe('rolling-back');
    const gate = failed.waves[0]?.gates?.find((g) => g.gate === 'prediction-psi');
    // Summed over the wave's 2 devices: 720 / 80 against 0.5 / 0.5, the PSI of drift/psi.ts.
    expect(gate).toMatchObject({ passed: false, limit: 0.25 });
    expect(gate?.value).toBeCloseTo(psi([0.5, 0.5], [720, 80]), 10);
    expect(gate?.value).toBeGreaterThan(0.8);
    expect(failed.reason).toMatch(/prediction-psi/);
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('rolled-back');
    await waitFor(() => runningVersion(1).length === DEVICES.length, 'the wave back on v1');
    expect([...new Set(site.installs.map((i) => i.device))].sort()).toEqual(wave1);
  });

  it('a wave whose predictions match the reference passes and the next wave starts', async () => {
    await setup();
    const { c } = await soakFirstWave({ predictionPsiMax: 0.1, predictionMinRows: 200 });
    await send(400, () => [210, 190]);
    clock.t += 60_000;
    await fleet.campaigns.tick();
    const next = fleet.campaigns.get(c.id);
    expect(next).toMatchObject({ state: 'running', current: 1 });
    const gate = next.waves[0]?.gates?.find((g) => g.gate === 'prediction-psi');
    expect(gate).toMatchObject({ passed: true, limit: 0.1 });
    expect(gate?.value).toBeCloseTo(psi([0.5, 0.5], [420, 380]), 10);
  });

  it('with too few rows the soak waits for them, then judges; a wave that never sends enough fails "small sample"', async () => {
    await setup();
    const { c } = await soakFirstWave(
      { predictionPsiMax: 0.25, predictionMinRows: 500, installTimeoutMs: 120_000 },
      'pause',
    );
    // 2 wave devices × 100 rows = 200 < 500, and drifting: not judged yet.
    await send(100, (v) => (v === 2 ? [90, 10] : [50, 50]));
    clock.t += 60_000;
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('soaking');
    // 600 rows now, balanced overall enough to pass: judged at the next pass.
    await send(200, (v) => (v === 2 ? [70, 130] : [100, 100]));
    await fleet.campaigns.tick();
    const judged = fleet.campaigns.get(c.id);
    expect(judged).toMatchObject({ state: 'running', current: 1 });
    expect(judged.waves[0]?.gates?.find((g) => g.gate === 'prediction-psi')).toMatchObject({ passed: true });

    // Wave 2 never sends enough: after soak + install timeout the gate fails with its note.
    await waitFor(
      () => fleet.campaigns.status(c.id).waves[1]?.devices.every((d) => d.state === 'converged'),
      'wave 2 installed',
    );
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('soaking');
    await send(20, () => [10, 10]); // 8 devices × 20 rows
    clock.t += 60_000 + 119_000;
    await fleet.campaigns.tick();
    expect(fleet.campaigns.get(c.id).state).toBe('soaking');
    clock.t += 1_000;
    await fleet.campaigns.tick();
    const paused = fleet.campaigns.get(c.id);
    expect(paused.state).toBe('paused');
    expect(paused.waves[1]?.gates?.find((g) => g.gate === 'prediction-psi')).toMatchObject({
      passed: false,
      value: 0,
      note: 'small sample: 160 of 500 rows',
    });
    expect(paused.reason).toMatch(/prediction-psi small sample/);
  });

  it('refuses a negative PSI limit or a zero row minimum with a code', async () => {
    await setup();
    const base = { model: 'housing', version: 2, target: { kind: 'fleet' } as const, steps: parseWaves('100%') };
    for (const gates of [{ predictionPsiMax: -0.1 }, { predictionMinRows: 0 }]) {
      let err: unknown;
      try {
        fleet.campaigns.create({ ...base, gates });
      } catch (e) {
        err = e;
      }
      expect(isOutpostError(err, FleetErrorCodes.CAMPAIGN_INVALID)).toBe(true);
    }
  });
});
