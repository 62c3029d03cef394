import { describe, expect, it } from 'vitest';
import { isOutpostError } from '@outpost/protocol';
import { DEFAULT_DRIFT_THRESHOLDS } from '../../src/drift/drift-report.ts';
import { driftSeries } from '../../src/monitor/drift-series.ts';
import { MonitorErrorCodes } from '../../src/monitor/errors.ts';
import { DAY_MS, HOUR_MS, bucketStarts, parseWindowSpec } from '../../src/monitor/windows.ts';
import { HOUR, MIN, REF, T0, like, monitorManifest, monitorWindow } from './helpers.ts';

const manifest = monitorManifest();
const hourly = { sizeMs: HOUR_MS, stepMs: HOUR_MS };
const t = { ...DEFAULT_DRIFT_THRESHOLDS, minRows: 200 };

describe('window specs', () => {
  it('parses 1h, 1d and sliding 1d/1h, and refuses nonsense with MONITOR_WINDOW_INVALID', () => {
    expect(parseWindowSpec('1h')).toEqual({ sizeMs: HOUR_MS, stepMs: HOUR_MS });
    expect(parseWindowSpec('1d/1h')).toEqual({ sizeMs: DAY_MS, stepMs: HOUR_MS });
    for (const bad of ['0h', '1w', '', '1h/7m', '1h/2h']) {
      let code: string | undefined;
      try {
        parseWindowSpec(bad);
      } catch (err) {
        if (isOutpostError(err)) code = err.code;
      }
      expect(code, bad).toBe(MonitorErrorCodes.MONITOR_WINDOW_INVALID);
    }
  });

  it('puts an instant in every sliding bucket that covers it, aligned to UTC', () => {
    expect(bucketStarts(T0 + 90 * MIN, hourly)).toEqual([T0 + HOUR]);
    const sliding = bucketStarts(T0 + 90 * MIN, { sizeMs: 3 * HOUR, stepMs: HOUR });
    expect(sliding).toEqual([T0 - HOUR, T0, T0 + HOUR]);
  });
});

describe('driftSeries', () => {
  it('is a time series: stable hours stay ok, the hour where co2 shifts turns major, per feature and window', () => {
    const windows = [];
    let seq = 0;
    for (let h = 0; h < 4; h++)
      for (let k = 0; k < 6; k++)
        windows.push(
          monitorWindow({
            device: 'd1',
            seq: seq++,
            at: T0 + h * HOUR + k * 10 * MIN,
            // hour 2: every co2 value in the top two bins
            ...(h === 2 ? { co2: [0, 0, 0, 50, 50] } : {}),
          }),
        );
    const s = driftSeries(manifest, windows, { window: hourly, thresholds: t });
    expect(s.points.map((p) => p.start)).toEqual([0, 1, 2, 3].map((h) => new Date(T0 + h * HOUR).toISOString()));
    expect(s.points.map((p) => p.status)).toEqual(['ok', 'ok', 'major', 'ok']);
    const shifted = s.points[2];
    expect(shifted?.windows).toBe(6);
    expect(shifted?.rows).toBe(600);
    expect(shifted?.maxPsi?.feature).toBe('co2');
    const co2 = shifted?.features.find((f) => f.feature === 'co2');
    expect(co2?.psi as number).toBeGreaterThan(0.25);
    expect(co2?.ks?.statistic as number).toBeCloseTo(0.8, 6); // cumulative 0.8 of the reference is below 800
    expect(co2?.ks?.pValue as number).toBeLessThan(1e-6);
    expect(co2?.chi2).toBeNull(); // χ² is for categories
    const room = shifted?.features.find((f) => f.feature === 'room');
    expect(room?.chi2?.df).toBe(2);
    expect(room?.ks).toBeNull();
    expect(s.points[0]?.features.every((f) => (f.psi as number) < 0.01)).toBe(true);
  });

  it('flags windows with too few rows "insufficient" however far they drift', () => {
    const windows = [monitorWindow({ device: 'd1', seq: 0, at: T0, rows: 50, co2: [0, 0, 0, 0, 50] })];
    const s = driftSeries(manifest, windows, { window: hourly, thresholds: t });
    const co2 = s.points[0]?.features.find((f) => f.feature === 'co2');
    expect(co2?.psi as number).toBeGreaterThan(1);
    expect(co2?.status).toBe('insufficient');
    expect(s.points[0]?.status).toBe('insufficient');
    expect(s.points[0]?.maxPsi).toBeNull();
  });

  it('groups by device or by site, and daily windows sum the hours', () => {
    const windows = [];
    for (let h = 0; h < 24; h += 6) {
      windows.push(monitorWindow({ device: 'a', gateway: 'north', seq: h, at: T0 + h * HOUR, rows: 300 }));
      windows.push(
        monitorWindow({
          device: 'b',
          gateway: 'south',
          seq: h,
          at: T0 + h * HOUR,
          rows: 300,
          pred: [0, 300], // every prediction positive
        }),
      );
    }
    const byDevice = driftSeries(manifest, windows, { window: hourly, by: 'device', thresholds: t });
    expect(new Set(byDevice.points.map((p) => p.group))).toEqual(new Set(['a', 'b']));
    expect(byDevice.points.filter((p) => p.group === 'a').every((p) => p.prediction.status === 'ok')).toBe(true);
    expect(byDevice.points.filter((p) => p.group === 'b').every((p) => p.prediction.status === 'major')).toBe(true);
    const bySite = driftSeries(manifest, windows, { window: parseWindowSpec('1d'), by: 'site', thresholds: t });
    expect(bySite.points.map((p) => [p.group, p.rows, p.windows])).toEqual([
      ['north', 1200, 4],
      ['south', 1200, 4],
    ]);
    const whole = driftSeries(manifest, windows, { window: parseWindowSpec('1d'), thresholds: t });
    expect(whole.points).toHaveLength(1);
    expect(whole.points[0]?.group).toBeUndefined();
    expect(whole.points[0]?.prediction.psi as number).toBeGreaterThan(0.1);
  });

  it('counts windows binned on other edges as mismatched instead of mixing them in', () => {
    const w = monitorWindow({ device: 'd1', seq: 0, at: T0, temp: like(REF.temp, 100).slice(0, 4) });
    const s = driftSeries(manifest, [w], { window: hourly, thresholds: t });
    expect(s.mismatched).toBe(1);
    expect(s.points[0]?.features.find((f) => f.feature === 'temp')?.rows).toBe(0);
  });
});
