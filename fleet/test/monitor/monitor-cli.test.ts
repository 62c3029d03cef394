import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '@outpost/protocol/node';
import { tempDir } from '../fixtures.ts';
import { run, seedFleetDb } from './cli-helpers.ts';
import { HOUR, MIN, T0, monitorManifest, monitorWindow } from './helpers.ts';
import type { TelemetryWindow } from '@outpost/protocol';
import { MonitorErrorCodes } from '../../src/monitor/errors.ts';

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
