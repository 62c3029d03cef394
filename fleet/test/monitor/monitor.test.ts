import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError, sha256Hex, silentLogger, systemClock, type Manifest } from '@outpost/protocol';
import { MonitorErrorCodes } from '../../src/monitor/errors.ts';
import { createMonitor, type Monitor } from '../../src/monitor/monitor.ts';
import type { Alert, MonitorStore } from '../../src/monitor/monitor-store.ts';
import type { MonitorSettings } from '../../src/monitor/settings.ts';
import { openSqliteMonitorStore } from '../../src/monitor/sqlite-monitor-store.ts';
import { createWebhookSender } from '../../src/monitor/webhook.ts';
import type { FleetStore } from '../../src/store/fleet-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { HOUR, MIN, T0, manualClock, monitorManifest, monitorWindow, type WindowSpecOpts } from './helpers.ts';

describe('monitor: alerts from drift, quality and performance (SQLite, fake clock)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: FleetStore;
  let monitorStore: MonitorStore;
  let clock: ReturnType<typeof manualClock>;
  let notified: Alert[];
  let seq: number;
  const manifest: Manifest = monitorManifest();

  const open = (settings: MonitorSettings = {}): Monitor =>
    createMonitor({
      store,
      monitorStore,
      settings,
      clock,
      logger: silentLogger,
      onAlert: (a) => void notified.push(a),
    });

  /** Sends `n` 10-minute windows per device starting at the clock's time, then moves the clock past them. */
  function send(devices: string[], n: number, tweak: (device: string) => Partial<WindowSpecOpts> = () => ({})): void {
    const start = clock.now();
    for (let k = 0; k < n; k++) {
      for (const device of devices)
        store.insertTelemetry(
          monitorWindow({
            device,
            seq: seq++,
            at: start + k * 10 * MIN,
            minMax: { temp: [18.5, 24.5], co2: [410, 1150] },
            ...tweak(device),
          }),
          new Date(start + (k + 1) * 10 * MIN).toISOString(),
        );
    }
    clock.advance(n * 10 * MIN);
  }

  beforeEach(() => {
    tmp = tempDir();
    const file = join(tmp.dir, 'fleet.db');
    store = openSqliteStore(file);
    monitorStore = openSqliteMonitorStore(file);
    store.putArtifact({
      artifactId: sha256Hex('occupancy-1'),
      name: 'occupancy',
      version: 1,
      manifest,
      dir: tmp.dir,
      registeredAt: new Date(T0).toISOString(),
    });
    clock = manualClock(T0);
    notified = [];
    seq = 0;
  });
  afterEach(() => {
    monitorStore.close();
    store.close();
    tmp.remove();
  });

  it('a stuck CO2 sensor on one device raises a data-quality alert within 2 windows naming device and feature', async () => {
    const monitor = open();
    send(['d1', 'd2', 'd3'], 6);
    expect(await monitor.evaluate()).toEqual([]);
    // d2's CO2 freezes at 655 ppm; after two 10-minute windows the alert is out
    send(['d1', 'd2', 'd3'], 2, (d) =>
      d === 'd2' ? { co2: [0, 0, 100, 0, 0], minMax: { temp: [19, 24], co2: [655, 655] } } : {},
    );
    const fired = await monitor.evaluate();
    // the stuck sensor, and (its values in one bin) the odd one out of its site: both about d2's co2
    expect(fired.map((a) => [a.metric, a.state, a.subject, a.summary.split(' on device')[0]])).toEqual([
      ['quality', 'firing', 'd2', 'occupancy v1: site-outlier co2'],
      ['quality', 'firing', 'd2', 'occupancy v1: stuck co2'],
    ]);
    expect(fired.every((a) => a.summary.includes('co2 on device d2'))).toBe(true);
    expect(notified.map((a) => a.id)).toEqual(fired.map((a) => a.id));
    // deduplicated: still stuck, evaluated again, nothing new
    send(['d1', 'd2', 'd3'], 1, (d) =>
      d === 'd2' ? { co2: [0, 0, 100, 0, 0], minMax: { temp: [19, 24], co2: [655, 655] } } : {},
    );
    expect(await monitor.evaluate()).toEqual([]);
    expect(monitor.alerts({ state: 'firing' })).toHaveLength(2);
  });

  it('drift must hold for the rule’s duration (default 2 h) before firing; ack, then resolve when it goes away', async () => {
    const monitor = open();
    const shifted = (): Partial<WindowSpecOpts> => ({ co2: [0, 0, 0, 20, 80] });
    send(['d1'], 6, shifted);
    expect(await monitor.evaluate()).toEqual([]);
    expect(monitor.alerts({ state: 'pending' })).toEqual([expect.objectContaining({ metric: 'drift.psi' })]);
    send(['d1'], 6, shifted);
    expect(await monitor.evaluate()).toEqual([]); // 1 h held
    send(['d1'], 6, shifted);
    const fired = await monitor.evaluate(); // 2 h held
    expect(fired.map((a) => [a.metric, a.state])).toEqual([['drift.psi', 'firing']]);
    expect(fired[0]?.summary).toMatch(/co2 PSI \d+\.\d+ ≥ 0\.25/);
    const acked = await monitor.acknowledge(fired[0]?.id as string, 'ops@example');
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'ops@example' });
    send(['d1'], 6, shifted);
    expect(await monitor.evaluate()).toEqual([]); // still drifting, still acknowledged: no repeat
    send(['d1'], 12);
    const resolved = await monitor.evaluate();
    expect(resolved.map((a) => [a.id, a.state])).toEqual([[fired[0]?.id, 'resolved']]);
    expect(notified.map((a) => a.state)).toEqual(['firing', 'acknowledged', 'resolved']);
    let code: string | undefined;
    await monitor.acknowledge('nope').catch((err: unknown) => {
      if (isOutpostError(err)) code = err.code;
    });
    expect(code).toBe(MonitorErrorCodes.ALERT_UNKNOWN);
  });

  it('never alarms on windows with too few rows', async () => {
    const monitor = open({ rules: [{ metric: 'drift.psi', scope: 'model', forMs: 0, severity: 'warning' }] });
    send(['d1'], 6, () => ({ rows: 20, co2: [0, 0, 0, 0, 20] }));
    expect(await monitor.evaluate()).toEqual([]);
    expect(monitor.drift('occupancy').points.every((p) => p.status === 'insufficient')).toBe(true);
  });

  it('concept drift: accuracy leaves the test band while inputs stay in distribution — performance fires, drift does not', async () => {
    const monitor = open({
      rules: [
        { metric: 'drift.psi', scope: 'model', forMs: 0, severity: 'warning' },
        { metric: 'performance', scope: 'model', forMs: 0, severity: 'critical' },
      ],
    });
    send(['d1', 'd2'], 6); // inputs exactly like the reference for an hour
    const hourStart = T0;
    // Labels for 100 of that hour's predictions: the relation flipped for a segment, 60% right (band 0.9 ± 0.04)
    for (let i = 0; i < 100; i++) {
      monitor.recordLabel({
        device: i % 2 ? 'd1' : 'd2',
        predictionId: `p${i}`,
        label: i < 60 ? 1 : 0,
        at: new Date(clock.now()).toISOString(),
        prediction: { value: 0.9, model: 'occupancy', version: 1, at: new Date(hourStart + i * 30_000).toISOString() },
      });
    }
    const fired = await monitor.evaluate();
    expect(fired.map((a) => a.metric)).toEqual(['performance']);
    expect(fired[0]?.summary).toMatch(/accuracy 0\.6000 outside the test band .*concept drift/);
    const perf = monitor.performance('occupancy');
    expect(perf.band).toMatchObject({ metric: 'accuracy', source: 'cv' });
    expect(perf.band?.low).toBeCloseTo(0.9 - 1.96 * 0.02, 9);
    expect(perf.points[0]).toMatchObject({ labels: 100, status: 'worse', inputDrift: 'ok', conceptDrift: true });
    expect(perf.points[0]?.metrics.accuracy).toBeCloseTo(0.6, 9);
  });

  it('late labels update the window they belong to, and imported CSV labels join when the device forwards the prediction', async () => {
    const monitor = open();
    send(['d1'], 6);
    const at = (i: number) => new Date(T0 + i * 60_000).toISOString();
    for (let i = 0; i < 40; i++)
      monitor.recordLabel({
        device: 'd1',
        predictionId: `p${i}`,
        label: 1,
        at: at(i),
        prediction: { value: 0.8, model: 'occupancy', version: 1, at: at(i) },
      });
    const before = monitor.performance('occupancy', { window: '1h' }).points[0];
    expect(before).toMatchObject({ labels: 40, status: 'better' }); // 100% right is above the band
    expect(before?.metrics.accuracy).toBe(1);
    // a day later, wrong-answer labels for the same hour arrive: the same window's metric drops
    clock.advance(24 * HOUR);
    const csv = ['prediction_id,label', ...Array.from({ length: 20 }, (_, i) => `q${i},0`)].join('\n');
    expect(monitor.importLabels(csv)).toEqual({ imported: 20, joined: 0, pending: 20 });
    expect(monitor.performance('occupancy', { window: '1h' }).unjoined).toBe(20);
    for (let i = 0; i < 20; i++)
      monitor.recordLabel({
        device: 'd1',
        predictionId: `q${i}`,
        label: 0,
        at: new Date(clock.now()).toISOString(),
        prediction: { value: 0.8, model: 'occupancy', version: 1, at: at(40 + i) },
      });
    const after = monitor.performance('occupancy', { window: '1h' });
    expect(after.unjoined).toBe(0);
    expect(after.points).toHaveLength(1);
    expect(after.points[0]?.start).toBe(before?.start);
    expect(after.points[0]?.labels).toBe(60);
    expect(after.points[0]?.metrics.accuracy).toBeCloseTo(40 / 60, 9);
    expect(after.points[0]?.status).toBe('worse');
  });

  it('refuses a label CSV without its columns, naming nothing imported', () => {
    const monitor = open();
    let code: string | undefined;
    try {
      monitor.importLabels('id,value\np1,1\n');
    } catch (err) {
      if (isOutpostError(err)) code = err.code;
    }
    expect(code).toBe(MonitorErrorCodes.LABELS_CSV_INVALID);
    const withPrediction = monitor.importLabels(
      'prediction_id,label,device,model,version,prediction,predicted_at\nz1,1,d1,occupancy,1,0.7,2025-03-01T00:00:00Z\n',
    );
    expect(withPrediction).toEqual({ imported: 1, joined: 1, pending: 0 });
  });
});

describe('alert webhook (loopback receiver)', () => {
  let server: Server;
  let url: string;
  let hits: { status: number; body: unknown }[];
  let failFirst: number;
  beforeEach(async () => {
    hits = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = hits.length < failFirst ? 503 : 204;
        hits.push({ status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
  });

  const alert: Alert = {
    id: 'a1',
    key: 'k',
    metric: 'quality',
    scope: 'device',
    model: 'occupancy',
    version: 1,
    subject: 'd2',
    severity: 'warning',
    state: 'firing',
    summary: 'stuck co2 on device d2',
    value: 655,
    threshold: null,
    since: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
  };

  it('retries with backoff until the receiver accepts', async () => {
    failFirst = 2;
    const sender = createWebhookSender(
      { url, attempts: 4, backoffMs: 20 },
      { clock: systemClock, logger: silentLogger },
    );
    const started = Date.now();
    await sender.send(alert);
    expect(hits.map((h) => h.status)).toEqual([503, 503, 204]);
    expect(hits[2]?.body).toEqual({ alert });
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40); // backoff 20 ms, then 40 ms
  });

  it('gives up with WEBHOOK_FAILED after the last attempt', async () => {
    failFirst = 10;
    const sender = createWebhookSender(
      { url, attempts: 3, backoffMs: 1 },
      { clock: systemClock, logger: silentLogger },
    );
    let code: string | undefined;
    await sender.send(alert).catch((err: unknown) => {
      if (isOutpostError(err)) code = err.code;
    });
    expect(code).toBe(MonitorErrorCodes.WEBHOOK_FAILED);
    expect(hits).toHaveLength(3);
  });
});
