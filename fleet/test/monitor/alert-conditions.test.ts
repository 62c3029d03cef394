/**
 * Alert conditions (fleet/src/monitor/alert-conditions.ts) read hourly rollups for the whole model
 * and only the recent raw windows per device, site and for quality — and give exactly the conditions
 * that three days of raw windows give: drift by model, device and site, a stuck sensor, a missing
 * spike and a performance drop, judged at the end of an hour and in the middle of the next.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelemetryWindow } from '@outpost/protocol';
import { alertConditions, type ConditionSources } from '../../src/monitor/alert-conditions.ts';
import type { AlertCondition } from '../../src/monitor/alert-engine.ts';
import { hourlyWindows } from '../../src/monitor/hourly-windows.ts';
import type { JoinedLabel } from '../../src/monitor/monitor-store.ts';
import type { AlertRule } from '../../src/monitor/settings.ts';
import { parseWindowSpec } from '../../src/monitor/windows.ts';
import { openFleetDb } from '../../src/store/fleet-db.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { HOUR, MIN, T0, monitorManifest, monitorWindow } from './helpers.ts';

const MANIFEST = monitorManifest();
const HOURS = 30;
const DEVICES = 6;

/** Every device sends a window every 10 minutes for 30 hours (and into the next); drift, a stuck sensor and a spike late on. */
function telemetry(): TelemetryWindow[] {
  const out: TelemetryWindow[] = [];
  for (let d = 0; d < DEVICES; d++) {
    const device = `dev-${d}`;
    for (let k = 0; k < HOURS * 6 + 2; k++) {
      const at = T0 + k * 10 * MIN + d * 7_000;
      const rows = 90 + ((k * 7 + d * 3) % 23);
      const late = at >= T0 + 20 * HOUR;
      out.push(
        monitorWindow({
          device,
          seq: k + 1,
          at,
          gateway: `site-${d % 2}`,
          rows,
          // Devices 0–2 drift in co2 (and so in predictions) after hour 20.
          ...(late && d < 3 ? { co2: [0, 0, 2, 8, rows - 10], pred: [5, rows - 5] } : {}),
          // Device 4's temp sensor sticks for the last three hours.
          ...(d === 4 && at >= T0 + (HOURS - 3) * HOUR
            ? {
                temp: [0, 0, rows, 0, 0],
                minMax: { temp: [21, 21] as [number, number], co2: [410, 900] as [number, number] },
              }
            : {}),
          // Device 5 loses a quarter of its temp readings in the last hour.
          ...(d === 5 && at >= T0 + (HOURS - 1) * HOUR ? { missing: { temp: 30 } } : {}),
        }),
      );
    }
  }
  return out;
}

/** Labels for two days of predictions: right 90 % of the time until hour 20, then wrong on devices 0–2. */
function labels(): JoinedLabel[] {
  const out: JoinedLabel[] = [];
  for (let i = 0; i < 1200; i++) {
    const at = T0 + Math.floor((i * HOURS * HOUR) / 1200);
    const device = `dev-${i % DEVICES}`;
    const value = i % 2;
    const wrong = at >= T0 + 20 * HOUR ? i % DEVICES < 3 : i % 10 === 0;
    out.push({
      predictionId: `p-${i}`,
      device,
      source: 'import',
      label: wrong ? 1 - value : value,
      prediction: { value, model: MANIFEST.name, version: MANIFEST.version, at: new Date(at).toISOString() },
    });
  }
  return out;
}

const RULES: AlertRule[] = [
  { metric: 'drift.psi', scope: 'model', forMs: 0, severity: 'warning' },
  { metric: 'drift.psi', scope: 'device', forMs: 0, severity: 'warning' },
  { metric: 'drift.psi', scope: 'site', forMs: 0, severity: 'warning' },
  { metric: 'drift.prediction', scope: 'model', forMs: 0, severity: 'warning' },
  { metric: 'drift.prediction', scope: 'site', forMs: 0, severity: 'warning' },
  { metric: 'quality', scope: 'device', forMs: 0, severity: 'warning' },
  { metric: 'quality', scope: 'site', forMs: 0, severity: 'warning' },
  { metric: 'performance', scope: 'model', forMs: 0, severity: 'critical' },
  { metric: 'performance', scope: 'device', forMs: 0, severity: 'critical' },
];

const sorted = (c: AlertCondition[]): AlertCondition[] => [...c].sort((a, b) => a.key.localeCompare(b.key));

describe('alert conditions from hourly rollups and bounded reads', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup) c();
    cleanup = [];
  });

  it.each(['1h', '2h', '1d/1h'])('equal the conditions of three days of raw windows (drift window %s)', (drift) => {
    const tmp = tempDir();
    const db = openFleetDb(path.join(tmp.dir, 'fleet.db'));
    const store = openSqliteStore(db);
    cleanup.push(() => {
      db.close();
      tmp.remove();
    });
    for (const w of telemetry()) store.insertTelemetry(w, w.windowEnd);
    const joined = labels();
    const q = { model: MANIFEST.name, version: MANIFEST.version };
    const reads: string[] = [];
    const bounded: ConditionSources = {
      windows: (since) => {
        reads.push(`raw ${since}`);
        return store.telemetryWindows({ ...q, since });
      },
      rollups: (sinceMs) => {
        reads.push('rollups');
        return hourlyWindows(db, q.model, q.version, sinceMs);
      },
      labels: (since) => joined.filter((l) => (l.prediction?.at ?? '') >= since),
    };
    const o = {
      settings: {},
      driftWindow: parseWindowSpec(drift),
      perfWindow: parseWindowSpec('1d'),
      minLabels: 30,
    };
    for (const now of [T0 + HOURS * HOUR, T0 + HOURS * HOUR + 15 * MIN]) {
      const old: ConditionSources = {
        // What the monitor read before: every window of the last three days, whatever the rule.
        windows: () => store.telemetryWindows({ ...q, since: new Date(now - 3 * 86_400_000).toISOString() }),
        rollups: () => undefined,
        labels: bounded.labels,
      };
      reads.length = 0;
      const fresh = sorted(alertConditions(MANIFEST, RULES, now, bounded, o));
      expect(fresh).toEqual(sorted(alertConditions(MANIFEST, RULES, now, old, o)));
      // Non-trivial: every kind of rule found something.
      for (const [metric, scope] of RULES.map((r) => [r.metric, r.scope]))
        expect(
          fresh.some((c) => c.metric === metric && c.scope === scope),
          `${metric}/${scope}`,
        ).toBe(true);
      expect(fresh.some((c) => c.key.includes('dev-4|temp|stuck'))).toBe(true);
      expect(fresh.some((c) => c.key.includes('dev-5|temp|missing-spike'))).toBe(true);
      // The whole model came from the rollups; raw reads go back only as far as quality's history needs.
      expect(reads).toContain('rollups');
      const furthest = Math.min(27 * o.driftWindow.sizeMs, 3 * 86_400_000);
      for (const r of reads.filter((x) => x.startsWith('raw ')))
        expect(Date.parse(r.slice(4))).toBeGreaterThanOrEqual(now - furthest);
    }
  });
});
