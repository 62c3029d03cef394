/**
 * The "new train station" scenario of `outpost sim` (docs/MONITORING.md "Scenarios"), end to end:
 * a housing champion trained and signed on the first 3,000 California rows (the retraining tests'
 * problem, sim-scenarios-station-fixture.ts), registered in a real fleet and rolled out to simulated devices behind real
 * gateways (real aedes brokers, real SQLite). The devices replay later real rows; once the
 * scenario starts, one district is drawn more often and its prices rise. The fleet's monitoring
 * raises a drift alert first and, once the labels arrive, a performance alert; the labelled rows
 * the sim kept, fed to the fleet's retraining, give a challenger that wins on the newest of them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCsv, silentLogger, systemClock } from '@outpost/protocol';
import { issueCredentials, loadOrCreateKeyPair } from '@outpost/protocol/node';
import {
  openFleetCredentials,
  openFleetRetrain,
  startFleet,
  type Alert,
  type Fleet,
  type FleetRetrain,
  type MonitorSettings,
} from '@outpost/fleet';
import { startSim, type Sim } from '../../stack/sim/sim.ts';
import { STATION_DISTRICT } from '../../stack/sim/station.ts';
import { buildChampion, housingRows, writeHousingSpec } from './sim-scenarios-station-fixture.ts';

const MODEL = 'housing';
/** The champion's training rows; the devices replay the rows after them. */
const TRAINING_ROWS = 3000;
const RULES: MonitorSettings = {
  rules: [
    { metric: 'drift.psi', scope: 'model', forMs: 0, severity: 'warning' },
    { metric: 'performance', scope: 'model', forMs: 0, severity: 'critical' },
  ],
};

let root: string | undefined;
let fleet: Fleet | undefined;
let sim: Sim | undefined;
let retrain: FleetRetrain | undefined;

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Evaluates the alert rules until one of `metric` fires; returns it and the other firing alerts then. */
async function firing(f: Fleet, metric: Alert['metric'], timeoutMs = 30_000): Promise<{ alert: Alert; all: Alert[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await f.monitor.evaluate();
    const all = f.monitor.alerts({ state: 'firing' });
    const alert = all.find((x) => x.metric === metric);
    if (alert) return { alert, all };
    if (Date.now() > deadline) throw new Error(`no ${metric} alert`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterEach(async () => {
  await sim?.close();
  retrain?.close();
  await fleet?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  sim = undefined;
  retrain = undefined;
  fleet = undefined;
  root = undefined;
});

describe('outpost sim --scenario train-station', () => {
  it('drift alert first, a performance alert once labels arrive, and retraining on the fresh labels wins', async () => {
    root = mkdtempSync(join(tmpdir(), 'outpost-station-'));
    const dataDir = join(root, 'fleet');
    mkdirSync(join(dataDir, 'fresh'), { recursive: true });
    const keys = loadOrCreateKeyPair(join(dataDir, 'keys'));
    const data = housingRows();
    const specDir = join(root, 'specs', MODEL);
    mkdirSync(specDir, { recursive: true });
    const champion = await buildChampion(writeHousingSpec(specDir, data, { rows: TRAINING_ROWS }), root, keys);
    writeFileSync(join(dataDir, 'retrain.json'), JSON.stringify({ specs: join(root, 'specs') }));
    const f = await startFleet({
      dataDir,
      port: 0,
      publicKeyPem: keys.publicKeyPem,
      alertEveryMs: 0,
      monitor: RULES,
    });
    fleet = f;
    await f.registerArtifact(champion);
    const s = await startSim({
      dataDir: join(root, 'sim'),
      fleetBrokerUrl: f.brokerUrl,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: f.intentPublicKeyPem,
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
      scenario: 'train-station',
      scenarioAfterMs: 2000,
      labelsAfterMs: 15_000,
      replay: { header: data.header, rows: data.rows.slice(TRAINING_ROWS) },
    });
    sim = s;
    await until('6 devices known', () => f.store.listReported().filter((r) => r.kind === 'device').length === 6);
    for (const g of s.gateways) await f.assign(g.id, MODEL, 1);
    await until('v1 everywhere', () => s.devices.every((d) => d.active()?.version === 1));
    const from = s.scenarioFrom as number;
    const labelsFrom = from + 15_000;

    // Before the station: the inputs are in distribution.
    await until('the scenario started', () => Date.now() > from + 500, 20_000);
    const before = f.monitor.drift(MODEL, { until: new Date(from - 100).toISOString() }).points.at(-1);
    expect(before?.rows).toBeGreaterThanOrEqual(200);
    expect(before?.features.find((x) => x.feature === 'ocean_proximity')?.status).toBe('ok');

    // Input drift first: the district is drawn more often, before any label arrived.
    const drift = await firing(f, 'drift.psi', 14_000);
    expect(Date.now()).toBeLessThan(labelsFrom);
    expect(drift.all.filter((a) => a.metric === 'performance')).toEqual([]);
    const since = f.monitor.drift(MODEL, { since: new Date(from).toISOString() }).points.at(-1);
    expect(since?.features.find((x) => x.feature === 'ocean_proximity')?.status).not.toBe('ok');
    expect(f.monitor.performance(MODEL).points.at(-1)?.labels ?? 0).toBe(0);

    // Then the labels: the district's risen prices take the error out of its band.
    const perf = await firing(f, 'performance', 40_000);
    expect(Date.now()).toBeGreaterThanOrEqual(labelsFrom);
    const report = f.monitor.performance(MODEL);
    const point = report.points.at(-1);
    expect(point?.status).toBe('worse');
    expect(point?.metrics.rmse).toBeGreaterThan(report.band?.high as number);
    expect(perf.alert.severity).toBe('critical');

    // The fresh labelled rows, as the sim kept them: the district's prices risen, shaped like the spec's data.
    await until(
      '1,500 labelled rows',
      () => (s.writeLabelled ? s.writeLabelled(join(root as string, 'n.csv')) : 0) >= 1500,
    );
    await s.close();
    sim = undefined;
    const fresh = join(dataDir, 'fresh', `${MODEL}.csv`);
    const rows = s.writeLabelled?.(fresh) as number;
    expect(rows).toBeGreaterThanOrEqual(1500);
    const table = parseCsv(readFileSync(fresh, 'utf8'), fresh);
    expect(table.header).toEqual(['time', ...data.header]);
    const district = table.header.indexOf('ocean_proximity');
    const share = (t: string[][], i: number): number => t.filter((r) => r[i] === STATION_DISTRICT).length / t.length;
    // The district is over-represented against the data it was drawn from (the station brings people).
    expect(share(table.rows, district)).toBeGreaterThan(2 * share(data.rows, district - 1));

    // Retraining (the fleet's own service): the challenger wins on the newest fresh rows, v2 parent v1.
    retrain = openFleetRetrain({ dataDir, publicKeyPem: keys.publicKeyPem, clock: systemClock, logger: silentLogger });
    retrain.attach(f);
    const run = await (await retrain.start(MODEL, { kind: 'manual', actor: 'alice' })).done;
    expect(run.outcome).toBe('promoted');
    expect(run.rows?.fresh).toBeGreaterThan(0);
    expect(run.champion?.value).toBeGreaterThan(report.band?.high as number);
    expect(run.challenger?.value).toBeLessThan(run.champion?.value as number);
    expect(run.improvement).toBeGreaterThanOrEqual(run.margin as number);
    expect(f.store.findArtifact(MODEL, 2)?.manifest.parentVersion).toBe(1);
  }, 180_000);
});
