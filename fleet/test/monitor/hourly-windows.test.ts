/**
 * Hourly rollups (fleet/src/monitor/hourly-windows.ts): drift from the rollups equals drift from
 * every stored window, for the whole-range report and for series in whole hours, and a window
 * that arrives late for an hour already rolled up is counted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Manifest, TelemetryWindow } from '@outpost/protocol';
import { DEFAULT_DRIFT_THRESHOLDS, summarise } from '../../src/drift/drift-report.ts';
import { driftHistograms } from '../../src/http/routes/drift.ts';
import { driftSeries } from '../../src/monitor/drift-series.ts';
import { hourlyWindows, windowCount, windowsForDrift } from '../../src/monitor/hourly-windows.ts';
import { HOUR_MS, parseWindowSpec } from '../../src/monitor/windows.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { openFleetDb, type FleetDb } from '../../src/store/fleet-db.ts';
import type { FleetStore } from '../../src/store/fleet-store.ts';
import { tempDir } from '../fixtures.ts';

const MANIFEST = JSON.parse(
  readFileSync(path.join(import.meta.dirname, '../../../firmware-models/housing/1/manifest.json'), 'utf8'),
) as Manifest;
const DRIFTING = Object.entries(MANIFEST.reference.features).find(([, r]) => r.kind === 'numeric')?.[0];
const T0 = Date.parse('2026-12-01T00:00:00.000Z');

/** Seeded counts so every window differs: drift in one numeric feature after hour 3, a few mismatched-shape windows. */
function windows(devices: number, perDevice: number, everyMs: number): TelemetryWindow[] {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const out: TelemetryWindow[] = [];
  for (let d = 0; d < devices; d++) {
    for (let k = 0; k < perDevice; k++) {
      const start = T0 + k * everyMs + d * 1000;
      const features: TelemetryWindow['features'] = {};
      for (const [name, ref] of Object.entries(MANIFEST.reference.features)) {
        if (ref.kind === 'categorical') {
          features[name] = {
            kind: 'categorical',
            counts: ref.freqs.map(() => rnd(9)),
            missing: rnd(2),
            unseen: rnd(2),
          };
          continue;
        }
        const bins = ref.freqs.map(() => rnd(9));
        if (name === DRIFTING && start >= T0 + 3 * HOUR_MS) bins[bins.length - 1] = (bins.at(-1) as number) + 40;
        features[name] = {
          kind: 'numeric',
          bins,
          missing: rnd(3),
          outOfRange: rnd(2),
          min: rnd(100),
          max: 100 + rnd(100),
        };
      }
      const rows = 20 + rnd(20);
      out.push({
        device: `dev-${d}`,
        gateway: `site-${d % 3}`,
        seq: k + 1,
        model: MANIFEST.name,
        version: MANIFEST.version,
        artifactId: 'a'.repeat(64),
        windowStart: new Date(start).toISOString(),
        windowEnd: new Date(start + everyMs).toISOString(),
        rows,
        features,
        predictions: { bins: MANIFEST.reference.prediction.freqs.map(() => rnd(11)), min: 0, max: 1, sum: rnd(20) },
        latency: { counts: Array.from({ length: 13 }, () => rnd(5)), maxMs: rnd(50) },
        errors: rnd(2),
      });
    }
  }
  return out;
}

const query = { model: MANIFEST.name, version: MANIFEST.version };
const t = DEFAULT_DRIFT_THRESHOLDS;

describe('hourly rollups of telemetry', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup) c();
    cleanup = [];
  });
  let db: FleetDb;
  function sqliteStore(): FleetStore {
    const tmp = tempDir();
    db = openFleetDb(path.join(tmp.dir, 'fleet.db'));
    const store = openSqliteStore(db);
    cleanup.push(() => {
      db.close();
      tmp.remove();
    });
    return store;
  }

  it('give the drift report, its histograms and whole-hour series that every window gives', () => {
    const store = sqliteStore();
    for (const w of windows(12, 40, 10 * 60_000)) store.insertTelemetry(w, w.windowEnd);
    const raw = store.telemetryWindows(query);
    const rollups = hourlyWindows(db, query.model, query.version) as TelemetryWindow[];
    expect(raw).toHaveLength(480);
    expect(rollups.length).toBeLessThan(10);
    expect(rollups.reduce((n, w) => n + windowCount(w), 0)).toBe(480);

    expect(summarise(MANIFEST, rollups, t)).toEqual(summarise(MANIFEST, raw, t));
    expect(driftHistograms(MANIFEST, rollups)).toEqual(driftHistograms(MANIFEST, raw));
    for (const spec of ['1h', '2h', '1d', '1d/1h']) {
      const o = { window: parseWindowSpec(spec), thresholds: t };
      const fromRollups = driftSeries(MANIFEST, rollups, o);
      expect(fromRollups).toEqual(driftSeries(MANIFEST, raw, o));
      expect(fromRollups.points.some((p) => p.status === 'major')).toBe(true);
    }
  });

  it('count a window that arrives late for an hour already rolled up, and forget a version with none', () => {
    const store = sqliteStore();
    const all = windows(4, 18, 10 * 60_000);
    const late = all.splice(5, 1)[0] as TelemetryWindow;
    for (const w of all) store.insertTelemetry(w, w.windowEnd);
    const before = hourlyWindows(db, query.model, query.version) as TelemetryWindow[];
    expect(before.reduce((n, w) => n + windowCount(w), 0)).toBe(all.length);

    store.insertTelemetry(late, late.windowEnd);
    const after = hourlyWindows(db, query.model, query.version) as TelemetryWindow[];
    expect(after.reduce((n, w) => n + windowCount(w), 0)).toBe(all.length + 1);
    const o = { window: parseWindowSpec('1h'), thresholds: t };
    expect(driftSeries(MANIFEST, after, o)).toEqual(driftSeries(MANIFEST, store.telemetryWindows(query), o));
    expect(hourlyWindows(db, query.model, query.version + 1)).toEqual([]);
  });

  it('prepare their statements once per database, and read only the hours asked for', () => {
    const store = sqliteStore();
    for (const w of windows(3, 30, 10 * 60_000)) store.insertTelemetry(w, w.windowEnd);
    hourlyWindows(db, query.model, query.version);
    const prepare = vi.spyOn(db, 'prepare');
    const all = hourlyWindows(db, query.model, query.version) as TelemetryWindow[];
    const recent = hourlyWindows(db, query.model, query.version, T0 + 2 * HOUR_MS + 59 * 60_000) as TelemetryWindow[];
    expect(prepare).not.toHaveBeenCalled();
    prepare.mockRestore();
    expect(recent.map((w) => w.windowStart)).toEqual(all.slice(2).map((w) => w.windowStart));
    expect(all).toHaveLength(5);
  });

  it('are not offered without an open fleet.db (drift then reads every window)', () => {
    const store = createMemoryStore();
    store.insertTelemetry(windows(1, 1, 60_000)[0] as TelemetryWindow, new Date(T0).toISOString());
    expect(hourlyWindows(undefined, query.model, query.version)).toBeUndefined();
    expect(windowsForDrift(store, query, true)).toHaveLength(1);
  });
});
