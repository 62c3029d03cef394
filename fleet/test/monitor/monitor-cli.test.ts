import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '@outpost/protocol/node';
import { tempDir } from '../fixtures.ts';
import { run, seedFleetDb } from './cli-helpers.ts';
import { HOUR, MIN, T0, monitorManifest, monitorWindow } from './helpers.ts';
import type { TelemetryWindow } from '@outpost/protocol';
import { MonitorErrorCodes } from '../../src/monitor/errors.ts';
import { openSqliteMonitorStore } from '../../src/monitor/sqlite-monitor-store.ts';

describe('outpost drift (time series)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  beforeEach(() => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'fleet');
    mkdirSync(dataDir, { recursive: true });
    const windows: TelemetryWindow[] = [];
    for (const device of ['d1', 'd2'])
      for (let h = 0; h < 3; h++)
        for (let k = 0; k < 6; k++)
          windows.push(
            monitorWindow({
              device,
              gateway: device === 'd1' ? 'north' : 'south',
              seq: h * 6 + k,
              at: T0 + h * HOUR + k * 10 * MIN,
              ...(h === 2 && device === 'd2' ? { co2: [0, 0, 0, 0, 100] } : {}),
            }),
          );
    seedFleetDb(dataDir, [monitorManifest()], windows);
  });
  afterEach(() => tmp.remove());

  it('prints the whole-range table and then one line per hour, the drifted hour marked', async () => {
    const io = await run('drift', 'occupancy', '--data-dir', dataDir);
    expect(io.exitCode ?? ExitCode.OK).toBe(ExitCode.OK);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/^occupancy v1: 36 windows, 3600 rows/);
    const series = text.split('\n\n')[1]?.split('\n') ?? [];
    expect(series[0]).toMatch(/^PSI per 1h window/);
    expect(series[1]).toMatch(/^window start\s+rows\s+temp\s+co2\s+room\s+\(prediction\)\s+status$/);
    expect(series.slice(2).map((l) => l.split(/\s+/)[0])).toEqual([
      '2025-03-01T00:00Z',
      '2025-03-01T01:00Z',
      '2025-03-01T02:00Z',
    ]);
    expect(series.slice(2).map((l) => l.split(/\s+/).at(-1))).toEqual(['ok', 'ok', 'major']);
  });

  it('--by device --json gives one series per device; --window 1d sums the day', async () => {
    const io = await run('drift', 'occupancy', '--by', 'device', '--json', '--data-dir', dataDir);
    const json = JSON.parse(io.stdout[0] ?? '') as {
      version: number;
      series: { by: string; points: { group: string; start: string; status: string }[] };
    };
    expect(json.version).toBe(1);
    expect(json.series.by).toBe('device');
    const status = (g: string) => json.series.points.filter((p) => p.group === g).map((p) => p.status);
    expect(status('d1')).toEqual(['ok', 'ok', 'ok']);
    expect(status('d2')).toEqual(['ok', 'ok', 'major']);

    const daily = await run('drift', 'occupancy', '--window', '1d', '--by', 'site', '--data-dir', dataDir);
    const lines = daily.stdout.join('\n').split('\n\n')[1]?.split('\n') ?? [];
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['2025-03-01T00:00Z', 'north', '1800'],
      ['2025-03-01T00:00Z', 'south', '1800'],
    ]);
  });

  it('refuses a bad window length with its code', async () => {
    const io = await run('drift', 'occupancy', '--window', '1w', '--data-dir', dataDir);
    expect(io.exitCode).toBe(ExitCode.FAILURE);
    expect(io.stderr.join('')).toContain(MonitorErrorCodes.MONITOR_WINDOW_INVALID);
  });
});

describe('outpost quality', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  beforeEach(() => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'fleet');
    mkdirSync(dataDir, { recursive: true });
  });
  afterEach(() => tmp.remove());

  it('names the stuck sensor’s device and feature; --json carries the findings', async () => {
    const windows: TelemetryWindow[] = [];
    for (const device of ['d1', 'd2'])
      for (let k = 0; k < 4; k++)
        windows.push(
          monitorWindow({
            device,
            seq: k,
            at: T0 + k * 10 * MIN,
            minMax: { temp: [19, 24], co2: device === 'd2' ? [700, 700] : [420, 1100] },
            ...(device === 'd2' ? { co2: [0, 0, 100, 0, 0] } : {}),
          }),
        );
    seedFleetDb(dataDir, [monitorManifest()], windows);
    const io = await run('quality', 'occupancy', '--data-dir', dataDir);
    const lines = io.stdout.join('\n').split('\n');
    expect(lines[0]).toMatch(
      /^occupancy v1: data quality per 1h window — 2 device windows judged, 0 insufficient .* 1 finding$/,
    );
    expect(lines[2]?.split(/\s+/)).toEqual(['2025-03-01T00:00Z', 'd2', 'site-1', 'co2', 'stuck', '700']);
    const json = JSON.parse((await run('quality', 'occupancy', '--json', '--data-dir', dataDir)).stdout[0] ?? '') as {
      findings: { device: string; feature: string; kind: string }[];
    };
    expect(json.findings).toEqual([expect.objectContaining({ device: 'd2', feature: 'co2', kind: 'stuck' })]);
  });
});

describe('outpost labels import | performance | alerts', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  beforeEach(() => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'fleet');
    mkdirSync(dataDir, { recursive: true });
    const windows: TelemetryWindow[] = [];
    for (let k = 0; k < 6; k++) windows.push(monitorWindow({ device: 'd1', seq: k, at: T0 + k * 10 * MIN }));
    seedFleetDb(dataDir, [monitorManifest()], windows);
  });
  afterEach(() => tmp.remove());

  it('imports a device-log CSV, prints accuracy per day with the band and concept drift, and lists and acks alerts', async () => {
    const rows = Array.from(
      { length: 50 },
      (_, i) => `p${i},${i < 30 ? 1 : 0},d1,occupancy,1,0.9,${new Date(T0 + i * MIN).toISOString()}`,
    );
    const csv = join(tmp.dir, 'labels.csv');
    writeFileSync(
      csv,
      ['prediction_id,label,device,model,version,prediction,predicted_at', ...rows, 'q1,1,,,,,'].join('\n'),
    );
    const imported = await run('labels', 'import', csv, '--data-dir', dataDir);
    expect(imported.stdout).toEqual(['imported 51 labels: 50 joined to their prediction, 1 waiting for it']);

    const perf = await run('performance', 'occupancy', '--data-dir', dataDir);
    const lines = perf.stdout.join('\n').split('\n');
    expect(lines[0]).toMatch(
      /^occupancy v1 \(binary\): performance per 1d window, accuracy band \[0\.8608, 0\.9392\] \(cv\); 1 label waiting/,
    );
    expect(lines[1]).toMatch(/^window start\s+labels\s+accuracy\s+precision\s+recall\s+f1\s+status\s+inputs$/);
    expect(lines[2]).toMatch(
      /^2025-03-01T00:00Z\s+50\s+0\.6000\s+0\.6000\s+1\.0000\s+0\.7500\s+worse\s+ok\s+concept drift$/,
    );

    const bad = join(tmp.dir, 'bad.csv');
    writeFileSync(bad, 'prediction_id,label\n,1\n');
    const refused = await run('labels', 'import', bad, '--data-dir', dataDir);
    expect(refused.exitCode).toBe(ExitCode.FAILURE);
    expect(refused.stderr.join('')).toContain(MonitorErrorCodes.LABELS_CSV_INVALID);

    // An alert as the running fleet would have stored it
    const store = openSqliteMonitorStore(join(dataDir, 'fleet.db'));
    store.putAlert({
      id: 'abc123',
      key: 'performance|model|occupancy|1|*',
      metric: 'performance',
      scope: 'model',
      model: 'occupancy',
      version: 1,
      severity: 'critical',
      state: 'firing',
      summary: 'occupancy v1: accuracy 0.6000 outside the test band',
      value: 0.6,
      threshold: 0.8608,
      since: new Date(T0).toISOString(),
      firedAt: new Date(T0).toISOString(),
      updatedAt: new Date(T0).toISOString(),
    });
    store.close();
    const list = await run('alerts', 'list', '--data-dir', dataDir);
    expect(list.stdout.join('\n').split('\n')[1]).toMatch(
      /^abc123\s+firing\s+critical\s+2025-03-01T00:00Z\s+occupancy v1: accuracy/,
    );
    const ack = await run('alerts', 'ack', 'abc123', '--by', 'ops', '--data-dir', dataDir);
    expect(ack.stdout[0]).toMatch(/^abc123 acknowledged: /);
    const json = JSON.parse((await run('alerts', 'list', '--json', '--data-dir', dataDir)).stdout[0] ?? '') as {
      state: string;
      acknowledgedBy: string;
    }[];
    expect(json).toEqual([expect.objectContaining({ state: 'acknowledged', acknowledgedBy: 'ops' })]);
    const unknown = await run('alerts', 'ack', 'nope', '--data-dir', dataDir);
    expect(unknown.stderr.join('')).toContain(MonitorErrorCodes.ALERT_UNKNOWN);
  });
});
