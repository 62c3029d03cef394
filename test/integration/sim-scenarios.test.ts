/**
 * Monitoring scenarios of `outpost sim` (docs/MONITORING.md "Scenarios"): simulated devices behind
 * real gateways (real aedes brokers, real SQLite) send telemetry windows binned by the device's own
 * window builder, and labels; a real fleet's monitoring finds what each scenario does — a stuck CO2
 * sensor named with its device, Light drift over the major PSI threshold, a concept change that
 * leaves performance's band while the inputs stay in distribution. Alerts are evaluated on demand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '@outpost/protocol';
import { issueCredentials } from '@outpost/protocol/node';
import { openFleetCredentials, startFleet, type Fleet, type MonitorSettings, type Alert } from '@outpost/fleet';
import { startSim, type Sim, type SimOptions } from '../../stack/sim/sim.ts';
import { writeSimArtifact } from '../../stack/sim/artifact.ts';

const MODEL = 'occupancy';
/** Every rule fires at once (the defaults hold drift for 2 hours). */
const RULES: MonitorSettings = {
  rules: [
    { metric: 'drift.psi', scope: 'model', forMs: 0, severity: 'warning' },
    { metric: 'drift.prediction', scope: 'model', forMs: 0, severity: 'warning' },
    { metric: 'quality', scope: 'device', forMs: 0, severity: 'warning' },
    { metric: 'performance', scope: 'model', forMs: 0, severity: 'critical' },
  ],
};

let root: string | undefined;
let fleet: Fleet | undefined;
let sim: Sim | undefined;

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A check that throws is not ready yet (the monitor refuses a model no window has reached).
    let v: T | undefined | false;
    let err: unknown;
    try {
      v = check();
    } catch (e) {
      err = e;
    }
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw err instanceof Error ? err : new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function play(opts: Pick<SimOptions, 'scenario' | 'scenarioAfterMs'>): Promise<{ fleet: Fleet; sim: Sim }> {
  root = mkdtempSync(join(tmpdir(), 'outpost-scenario-'));
  const keys = generateSigningKeyPair();
  const dataDir = join(root, 'fleet');
  fleet = await startFleet({ dataDir, port: 0, publicKeyPem: keys.publicKeyPem, alertEveryMs: 0, monitor: RULES });
  await fleet.registerArtifact(writeSimArtifact(root, keys, { name: MODEL, version: 1, modelBytes: 10_000 }).dir);
  sim = await startSim({
    dataDir: join(root, 'sim'),
    fleetBrokerUrl: fleet.brokerUrl,
    publicKeyPem: keys.publicKeyPem,
    fleetKeyPem: fleet.intentPublicKeyPem,
    gatewayCredentials: (id) => {
      const { store } = openFleetCredentials(dataDir);
      try {
        return { id, ...issueCredentials(store, id, Date.now()) };
      } finally {
        store.close();
      }
    },
    gateways: 2,
    devices: 6,
    heartbeatMs: 1000,
    telemetryMs: 100,
    rowsPerWindow: 20,
    ...opts,
  });
  const f = fleet;
  const s = sim;
  await until('6 devices known', () => f.store.listReported().filter((r) => r.kind === 'device').length === 6);
  for (const g of s.gateways) await f.assign(g.id, MODEL, 1);
  await until('v1 everywhere', () => s.devices.every((d) => d.active()?.version === 1));
  return { fleet: f, sim: s };
}

/** Evaluates the alert rules until one of `metric` fires. */
async function firing(f: Fleet, metric: Alert['metric'], timeoutMs = 30_000): Promise<Alert> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await f.monitor.evaluate();
    const a = f.monitor.alerts({ state: 'firing' }).find((x) => x.metric === metric);
    if (a) return a;
    if (Date.now() > deadline) throw new Error(`no ${metric} alert`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterEach(async () => {
  await sim?.close();
  await fleet?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  sim = undefined;
  fleet = undefined;
  root = undefined;
});

describe('outpost sim scenarios, seen by fleet.monitor', () => {
  it('stuck-co2: names the device and CO2 within 2 windows, and a data-quality alert fires for it', async () => {
    const { fleet, sim } = await play({ scenario: 'stuck-co2' });
    expect(sim.scenarioDevices).toHaveLength(1);
    const stuck = sim.scenarioDevices[0] as string;
    // Two windows of 20 rows from the stuck device: enough for quality's 30-row minimum.
    const second = await until('2 windows of the stuck device', () =>
      fleet.store
        .telemetryWindows({ model: MODEL, device: stuck })
        .sort((a, b) => a.seq - b.seq)
        .at(1),
    );
    const report = fleet.monitor.quality(MODEL, { until: second.windowStart });
    const findings = report.findings.filter((f) => f.kind === 'stuck');
    expect(findings.map((f) => [f.device, f.feature])).toEqual([[stuck, 'CO2']]);
    // The windows really carry bins: the healthy devices' CO2 spreads over several.
    const healthy = fleet.store.telemetryWindows({ model: MODEL }).find((w) => w.device !== stuck);
    const co2 = healthy?.features.CO2;
    expect(co2?.kind === 'numeric' && co2.bins.filter((n) => n > 0).length).toBeGreaterThan(1);

    // The alert, once the healthy devices have rows enough that sampling noise is no site outlier.
    await until('10 windows per device', () =>
      sim.devices.every((d) => fleet.store.telemetryWindows({ model: MODEL, device: d.id }).length >= 10),
    );
    const alert = await firing(fleet, 'quality');
    expect(alert.subject).toBe(stuck);
    const keys = fleet.monitor
      .alerts({ state: 'firing' })
      .filter((a) => a.metric === 'quality')
      .map((a) => ({ subject: a.subject, parts: a.key.split('|') }));
    expect(keys.some((k) => k.parts.includes('CO2') && k.parts.includes('stuck'))).toBe(true);
    expect(keys.every((k) => k.subject === stuck)).toBe(true);
  }, 90_000);

  it('drift: after the scenario starts, Light PSI goes over the major threshold and a drift alert fires', async () => {
    const { fleet, sim } = await play({ scenario: 'drift', scenarioAfterMs: 4000 });
    const from = sim.scenarioFrom as number;
    await until('the drift started', () => Date.now() > from + 3000, 20_000);
    // Before the scenario's start the inputs were in distribution.
    const before = fleet.monitor.drift(MODEL, { until: new Date(from - 200).toISOString() }).points.at(-1);
    expect(before?.rows).toBeGreaterThanOrEqual(500);
    expect(before?.features.find((f) => f.feature === 'Light')?.status).toBe('ok');
    // With it, Light's PSI over the major threshold (0.25) — of the windows since it started.
    const after = await until('Light drift', () => {
      const p = fleet.monitor.drift(MODEL, { since: new Date(from).toISOString() }).points.at(-1);
      return p && p.rows >= 500 ? p : undefined;
    });
    expect(after.maxPsi?.feature).toBe('Light');
    expect(after.maxPsi?.psi).toBeGreaterThan(0.25);
    expect(after.features.find((f) => f.feature === 'Light')?.status).toBe('major');
    expect(after.features.find((f) => f.feature === 'CO2')?.status).toBe('ok');
    // The alert judges the whole current window, the rows before the start included: it fires once the new ones dominate.
    const drift = await firing(fleet, 'drift.psi');
    expect(drift.value).toBeGreaterThanOrEqual(0.25);
  }, 90_000);

  it('concept-drift: performance leaves its band on labels while the inputs stay in distribution; no drift alert', async () => {
    const { fleet, sim } = await play({ scenario: 'concept-drift' });
    const flipped = new Set(sim.scenarioDevices);
    // The first gateway's devices: their labels are the other class than the model's rule.
    expect([...flipped].sort()).toEqual([...(sim.placement.get(sim.gateways[0]?.id as string) ?? [])].sort());
    const point = await until('labels and rows enough', () => {
      const p = fleet.monitor.performance(MODEL).points.at(-1);
      return p && p.labels >= 300 && p.inputDrift !== 'insufficient' && p.inputDrift !== null ? p : undefined;
    });
    expect(point.status).toBe('worse');
    expect(point.metrics.accuracy).toBeLessThan(0.94); // the band's low end (the stand-in's test figure)
    expect(point.inputDrift).toBe('ok');
    expect(point.conceptDrift).toBe(true);
    // Per device: the flipped segment is (nearly) always wrong, the others (nearly) always right.
    for (const p of fleet.monitor.performance(MODEL, { by: 'device' }).points) {
      if (flipped.has(p.group as string)) expect(p.metrics.accuracy).toBeLessThan(0.3);
      else expect(p.metrics.accuracy).toBeGreaterThan(0.7);
    }
    const perf = await firing(fleet, 'performance');
    expect(perf.severity).toBe('critical');
    await fleet.monitor.evaluate();
    const drift = fleet.monitor.alerts({}).filter((a) => a.metric === 'drift.psi' || a.metric === 'drift.prediction');
    expect(drift).toEqual([]);
  }, 90_000);
});
