/**
 * One evaluation of the alert rules (`fleet.monitor.evaluate()`) over a fleet's day of telemetry:
 * 1,000 devices sending a window an hour for 24 hours, the default rules (drift of the model from
 * the hourly rollups, quality per device from the recent raw windows, performance from labels).
 * The anchor, measured in the same run, is one raw `SELECT` of the same windows (what reading them
 * all once costs, which the evaluation did every minute before the rollups).
 *
 *   npx tsx bench/alert-eval.ts [--devices 1000] [--hours 24] [--runs 7]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex, silentLogger, type Clock, type TelemetryWindow } from '@outpost/protocol';
import { createMonitor, openSqliteMonitorStore, openSqliteStore } from '@outpost/fleet';
import { numberArg } from './lib/args.ts';
import { median, percentile } from './lib/table.ts';
import { manifest, monitorWindow } from './lib/monitor-manifest.ts';

const DEVICES = numberArg('--devices', 1000);
const HOURS = numberArg('--hours', 24);
const RUNS = numberArg('--runs', 7);
const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

/** Device d's window of hour h, counts varying with both. */
function windowOf(d: number, h: number): TelemetryWindow {
  return monitorWindow({
    i: d * 31 + h,
    device: `dev-${d}`,
    gateway: `site-${d % 50}`,
    seq: h + 1,
    artifactId: sha256Hex('occupancy-1'),
    start: T0 + h * HOUR + (d % 60) * 1000,
    lengthMs: HOUR,
  });
}

async function time(fn: () => unknown): Promise<number[]> {
  await fn(); // warm-up (the first evaluation also rolls the hours up)
  const out: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-alert-eval-bench-'));
try {
  const file = join(dir, 'fleet.db');
  const store = openSqliteStore(file);
  const monitorStore = openSqliteMonitorStore(file);
  store.putArtifact({
    artifactId: sha256Hex('occupancy-1'),
    name: 'occupancy',
    version: 1,
    manifest,
    dir,
    registeredAt: new Date(T0).toISOString(),
  });
  for (let h = 0; h < HOURS; h++)
    for (let d = 0; d < DEVICES; d++) {
      const w = windowOf(d, h);
      store.insertTelemetry(w, w.windowEnd);
    }
  const now = T0 + HOURS * HOUR + 5 * 60_000;
  const clock: Clock = {
    now: () => now,
    setTimeout: () => 0,
    clearTimeout: () => undefined,
    setInterval: () => 0,
    clearInterval: () => undefined,
  };
  const monitor = createMonitor({ store, monitorStore, clock, logger: silentLogger });
  const since = new Date(T0).toISOString();
  const anchorTimes = await time(() => store.telemetryWindows({ model: 'occupancy', version: 1, since }));
  const evalTimes = await time(() => monitor.evaluate());
  monitorStore.close();
  store.close();
  const row = (name: string, t: number[]): string =>
    `${name.padEnd(36)} median ${(median(t) * 1000).toFixed(1).padStart(8)} ms   p95 ${(percentile(t, 95) * 1000)
      .toFixed(1)
      .padStart(8)} ms   ×anchor ${(median(t) / median(anchorTimes)).toFixed(2).padStart(7)}`;
  console.log(
    `alert evaluation: ${DEVICES} devices × ${HOURS} hourly windows (${DEVICES * HOURS} windows), ${RUNS} runs; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(row('anchor (one SELECT of the windows)', anchorTimes));
  console.log(row('one evaluation (default rules)', evalTimes));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
