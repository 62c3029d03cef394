/**
 * Drift and data-quality statistics over 10,000 telemetry windows (target ≤ 1 s): per hourly window
 * the drift series of the whole model and of every device (PSI, JS, χ², KS per feature and for the
 * prediction) and the data-quality report, on windows already read; and the same after reading them
 * from a fleet.db. The anchor, measured in the same run, is a plain loop summing the same bin arrays
 * (the least any statistic over them must do).
 *
 *   npx tsx bench/monitor-stats.ts [--windows 10000] [--devices 100] [--runs 7]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import type { TelemetryWindow } from '@outpost/protocol';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  DEFAULT_QUALITY_THRESHOLDS,
  driftSeries,
  openSqliteStore,
  parseWindowSpec,
  qualityReport,
} from '@outpost/fleet';
import { median, percentile } from './lib/table.ts';
import { NUMERIC, manifest, monitorWindow } from './lib/monitor-manifest.ts';
import { numberArg } from './lib/args.ts';

const N = numberArg('--windows', 10_000);
const DEVICES = numberArg('--devices', 100);
const RUNS = numberArg('--runs', 7);

/** Window i: device i mod DEVICES, one 10-minute window after another per device, counts varying with i. */
function windowOf(i: number): TelemetryWindow {
  const seq = Math.floor(i / DEVICES);
  return monitorWindow({
    i,
    device: `dev-${i % DEVICES}`,
    gateway: `site-${i % 10}`,
    seq,
    artifactId: 'a'.repeat(64),
    start: Date.parse('2026-01-01T00:00:00Z') + seq * 600_000,
    lengthMs: 600_000,
  });
}

const windows = Array.from({ length: N }, (_v, i) => windowOf(i));
const hourly = parseWindowSpec('1h');

/** The anchor: sum every bin array of every window once. */
function anchor(ws: readonly TelemetryWindow[]): number {
  let total = 0;
  for (const w of ws) {
    for (const f of Object.values(w.features)) {
      const bins = f.kind === 'numeric' ? f.bins : f.counts;
      for (let j = 0; j < bins.length; j++) total += bins[j] as number;
    }
    for (let j = 0; j < w.predictions.bins.length; j++) total += w.predictions.bins[j] as number;
  }
  return total;
}

function statistics(ws: readonly TelemetryWindow[]): number {
  const thresholds = DEFAULT_DRIFT_THRESHOLDS;
  const whole = driftSeries(manifest, ws, { window: hourly, thresholds });
  const perDevice = driftSeries(manifest, ws, { window: hourly, by: 'device', thresholds });
  const quality = qualityReport(manifest, ws, { window: hourly, thresholds: DEFAULT_QUALITY_THRESHOLDS });
  return whole.points.length + perDevice.points.length + quality.points.length;
}

function time(fn: () => unknown): number[] {
  fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-monitor-bench-'));
try {
  const store = openSqliteStore(join(dir, 'fleet.db'));
  for (const w of windows) store.insertTelemetry(w, w.windowEnd);
  const anchorTimes = time(() => anchor(windows));
  const statTimes = time(() => statistics(windows));
  const storeTimes = time(() => statistics(store.telemetryWindows({ model: 'occupancy', version: 1 })));
  store.close();
  const row = (name: string, t: number[]): string =>
    `${name.padEnd(34)} median ${(median(t) * 1000).toFixed(1).padStart(8)} ms   p95 ${(percentile(t, 95) * 1000)
      .toFixed(1)
      .padStart(8)} ms   ×anchor ${(median(t) / median(anchorTimes)).toFixed(1).padStart(7)}`;
  console.log(
    `monitor statistics: ${N} windows, ${DEVICES} devices, ${NUMERIC.length + 1} features, ${RUNS} runs; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(row('anchor (sum the bin arrays)', anchorTimes));
  console.log(row('drift (model, per device) + quality', statTimes));
  console.log(row('same, read from fleet.db first', storeTimes));
  const pass = median(statTimes) <= 1;
  console.log(
    `target ≤ 1 s for the statistics: ${pass ? 'met' : 'NOT met'} (median ${median(statTimes).toFixed(3)} s)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
