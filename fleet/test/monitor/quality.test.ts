import { describe, expect, it } from 'vitest';
import type { TelemetryWindow } from '@outpost/protocol';
import { qualityReport } from '../../src/monitor/quality.ts';
import { DEFAULT_QUALITY_THRESHOLDS } from '../../src/monitor/settings.ts';
import { HOUR_MS } from '../../src/monitor/windows.ts';
import { HOUR, MIN, T0, monitorManifest, monitorWindow, type WindowSpecOpts } from './helpers.ts';

const manifest = monitorManifest();
const hourly = { window: { sizeMs: HOUR_MS, stepMs: HOUR_MS }, thresholds: DEFAULT_QUALITY_THRESHOLDS };
const moving = { temp: [18.2, 25.1] as [number, number], co2: [380, 1200] as [number, number] };

/** `hours` hours of 10-minute windows per device; `tweak` changes a window (hour h, slot k). */
function stream(
  devices: string[],
  hours: number,
  tweak: (device: string, h: number, k: number) => Partial<WindowSpecOpts> = () => ({}),
): TelemetryWindow[] {
  const out: TelemetryWindow[] = [];
  for (const device of devices)
    for (let h = 0; h < hours; h++)
      for (let k = 0; k < 6; k++)
        out.push(
          monitorWindow({
            device,
            seq: h * 6 + k,
            at: T0 + h * HOUR + k * 10 * MIN,
            minMax: moving,
            ...tweak(device, h, k),
          }),
        );
  return out;
}

describe('qualityReport', () => {
  it('names the device and feature of a stuck CO2 sensor within 2 windows, while temp still moves', () => {
    // d2's CO2 reads 612 from hour 2 on; only the first two 10-minute windows of that hour have arrived.
    const windows = stream(['d1', 'd2', 'd3'], 2).concat(
      [0, 1].map((k) =>
        monitorWindow({
          device: 'd2',
          seq: 100 + k,
          at: T0 + 2 * HOUR + k * 10 * MIN,
          co2: [0, 0, 100, 0, 0],
          minMax: { temp: moving.temp, co2: [612, 612] },
        }),
      ),
    );
    const r = qualityReport(manifest, windows, hourly);
    const stuck = r.findings.filter((f) => f.kind === 'stuck');
    expect(stuck).toEqual([
      expect.objectContaining({
        device: 'd2',
        feature: 'co2',
        value: 612,
        start: new Date(T0 + 2 * HOUR).toISOString(),
      }),
    ]);
    expect(r.points.filter((p) => p.status === 'findings').map((p) => p.device)).toEqual(['d2']);
    expect(r.points.filter((p) => p.device !== 'd2').every((p) => p.status === 'ok')).toBe(true);
  });

  it('without min/max (older devices), one bin the reference spreads over counts as stuck; a still device is not', () => {
    const noMinMax = (w: TelemetryWindow): TelemetryWindow => {
      for (const f of Object.values(w.features))
        if (f.kind === 'numeric') {
          delete f.min;
          delete f.max;
        }
      return w;
    };
    const stuck = stream(['d1'], 1, () => ({ co2: [0, 100, 0, 0, 0] })).map(noMinMax);
    expect(qualityReport(manifest, stuck, hourly).findings.map((f) => [f.kind, f.feature, f.value])).toEqual([
      ['stuck', 'co2', null],
    ]);
    // every numeric feature in one bin: the whole device is idle (or off), not one sensor stuck
    const still = stream(['d1'], 1, () => ({ co2: [0, 100, 0, 0, 0], temp: [0, 0, 100, 0, 0] })).map(noMinMax);
    expect(qualityReport(manifest, still, hourly).findings).toEqual([]);
  });

  it('spots a missing-rate spike and an out-of-range spike against the device’s own history', () => {
    const windows = stream(['d1'], 4, (_d, h) => ({
      // 5% of temp missing is normal for d1; in hour 3 half of it is missing
      missing: { temp: h === 3 ? 50 : 5 },
      ...(h === 2 ? { outOfRange: { co2: 40 } } : {}),
    }));
    const r = qualityReport(manifest, windows, hourly);
    expect(r.findings.map((f) => [f.kind, f.feature, f.start])).toEqual([
      ['out-of-range-spike', 'co2', new Date(T0 + 2 * HOUR).toISOString()],
      ['missing-spike', 'temp', new Date(T0 + 3 * HOUR).toISOString()],
    ]);
    const spike = r.findings.find((f) => f.kind === 'missing-spike');
    expect(spike?.value).toBeCloseTo(0.5, 9);
    expect(spike?.baseline).toBeCloseTo(0.05, 9);
  });

  it('reports unseen categories and a device whose inputs differ from its site’s other devices', () => {
    const windows = stream(['a', 'b', 'c', 'd'], 1, (device) =>
      device === 'c' ? { temp: [0, 0, 0, 10, 90], room: [48, 30, 20, 2] } : {},
    );
    const r = qualityReport(manifest, windows, hourly);
    expect(r.findings.map((f) => [f.kind, f.device, f.feature])).toEqual([
      ['unseen-category', 'c', 'room'],
      ['site-outlier', 'c', 'temp'],
    ]);
    expect(r.findings[0]?.value).toBeCloseTo(0.02, 9);
    // three devices that all differ from each other: no odd one out
    const spread = stream(['a', 'b', 'c'], 1, (device) => ({
      temp: device === 'a' ? [90, 10, 0, 0, 0] : device === 'b' ? [0, 0, 100, 0, 0] : [0, 0, 0, 10, 90],
    }));
    expect(qualityReport(manifest, spread, hourly).findings).toEqual([]);
  });

  it('judges nothing in windows with too few rows', () => {
    const windows = [
      monitorWindow({
        device: 'd1',
        seq: 0,
        at: T0,
        rows: 10,
        co2: [0, 0, 10, 0, 0],
        minMax: { temp: [18, 30], co2: [612, 612] },
      }),
    ];
    const r = qualityReport(manifest, windows, hourly);
    expect(r.findings).toEqual([]);
    expect(r.points[0]?.status).toBe('insufficient');
  });
});
