/**
 * Hourly rollups of telemetry (docs/MONITORING.md "Windows"): every stored window of one (model,
 * version) that started in one UTC hour, merged into one — bins, counts, rows, latency and errors
 * summed. A telemetry window belongs to the monitoring buckets its start falls in, so for a drift
 * series in whole hours (`1h`, `1d`, `1d/1h`) and for the whole-range report the rollups give the
 * statistics the raw windows give, from 24 objects a day instead of one per device and window.
 *
 * Rollups are kept per fleet.db connection (the open database the fleet passes in, with the
 * statements prepared once) and checked on each use against one grouped query (the count and
 * largest rowid of each hour's windows, from an index): an hour that gained or lost a window since
 * is merged again, so a late window is never missed. Without a fleet.db (a memory store) there are
 * none (undefined: read the windows).
 */
import type Database from 'better-sqlite3';
import type { FeatureCounts, TelemetryWindow } from '@outpost/protocol';
import type { FleetStore, TelemetryQuery } from '../store/fleet-store.ts';
import type { FleetDb } from '../store/fleet-db.ts';
import { HOUR_MS } from './windows.ts';

/** A window standing for `merged` stored windows of one hour. */
export type MergedWindow = TelemetryWindow & { merged: number };

/** How many stored windows a window stands for (1 unless it is a rollup). */
export const windowCount = (w: TelemetryWindow): number => (w as Partial<MergedWindow>).merged ?? 1;

const sumInto = (target: number[], values: readonly number[]): void => {
  for (let i = 0; i < values.length; i++) target[i] = (target[i] ?? 0) + (values[i] as number);
};
const minOf = (a: number | null | undefined, b: number | null | undefined): number | null | undefined =>
  a === undefined || a === null ? b : b === undefined || b === null ? a : Math.min(a, b);
const maxOf = (a: number | null | undefined, b: number | null | undefined): number | null | undefined =>
  a === undefined || a === null ? b : b === undefined || b === null ? a : Math.max(a, b);

function mergeFeature(acc: FeatureCounts, f: FeatureCounts): void {
  if (acc.kind === 'numeric' && f.kind === 'numeric' && acc.bins.length === f.bins.length) {
    sumInto(acc.bins, f.bins);
    acc.missing += f.missing;
    acc.outOfRange += f.outOfRange;
    const lo = minOf(acc.min, f.min);
    const hi = maxOf(acc.max, f.max);
    if (lo !== undefined && lo !== null) acc.min = lo;
    if (hi !== undefined && hi !== null) acc.max = hi;
  } else if (acc.kind === 'categorical' && f.kind === 'categorical' && acc.counts.length === f.counts.length) {
    sumInto(acc.counts, f.counts);
    acc.missing += f.missing;
    acc.unseen += f.unseen;
  }
  // Other shapes (another version's edges) are left out, as drift leaves them out.
}

/** Merges windows of one (model, version) that started in the hour from `hourStart` (ms). */
export function mergeWindows(windows: readonly TelemetryWindow[], hourStart: number): MergedWindow {
  const first = windows[0];
  if (!first) throw new Error('mergeWindows needs at least one window');
  const out: MergedWindow = {
    device: '(rollup)',
    seq: 0,
    model: first.model,
    version: first.version,
    artifactId: first.artifactId,
    windowStart: new Date(hourStart).toISOString(),
    windowEnd: first.windowEnd,
    rows: 0,
    features: {},
    predictions: { bins: first.predictions.bins.map(() => 0), min: null, max: null, sum: 0 },
    latency: { counts: first.latency.counts.map(() => 0), maxMs: 0 },
    errors: 0,
    merged: 0,
  };
  for (const w of windows) {
    out.merged++;
    out.rows += w.rows;
    out.errors += w.errors;
    if (w.windowEnd > out.windowEnd) out.windowEnd = w.windowEnd;
    for (const [name, f] of Object.entries(w.features)) {
      const acc = out.features[name];
      if (acc) mergeFeature(acc, f);
      else out.features[name] = structuredClone(f);
    }
    if (w.predictions.bins.length === out.predictions.bins.length) {
      sumInto(out.predictions.bins, w.predictions.bins);
      out.predictions.sum += w.predictions.sum;
      out.predictions.min = minOf(out.predictions.min, w.predictions.min) ?? null;
      out.predictions.max = maxOf(out.predictions.max, w.predictions.max) ?? null;
    }
    if (w.latency.counts.length === out.latency.counts.length) sumInto(out.latency.counts, w.latency.counts);
    out.latency.maxMs = Math.max(out.latency.maxMs, w.latency.maxMs);
  }
  return out;
}

interface Cached {
  count: number;
  lastRowid: number;
  window: MergedWindow;
}

type HourRow = { hour: number; n: number; last: number };

/** One fleet.db's prepared statements and rollups, made on first use and kept while the database lives. */
interface Rollups {
  hours: Database.Statement<[string, number, string], HourRow>;
  read: Database.Statement<[string, number, number], { json: string }>;
  cache: Map<string, Cached>;
}

const rollupsByDb = new WeakMap<FleetDb, Rollups>();
const HOUR_S = HOUR_MS / 1000;
const HOUR_OF = `CAST(strftime('%s', window_start) AS INTEGER) / ${HOUR_S}`;

function rollupsOf(db: FleetDb): Rollups {
  let r = rollupsByDb.get(db);
  if (!r) {
    r = {
      hours: db.prepare<[string, number, string], HourRow>(
        `SELECT ${HOUR_OF} AS hour, COUNT(*) AS n, MAX(rowid) AS last FROM telemetry
         WHERE model = ? AND version = ? AND window_start >= ? GROUP BY hour ORDER BY hour`,
      ),
      read: db.prepare<[string, number, number], { json: string }>(
        `SELECT json FROM telemetry WHERE model = ? AND version = ? AND ${HOUR_OF} = ?`,
      ),
      cache: new Map(),
    };
    rollupsByDb.set(db, r);
  }
  return r;
}

/**
 * The rollups of (model, version) in fleet.db, oldest hour first, or undefined without an open one.
 * Windows starting in one hour merge into one; see the file comment for how they stay current.
 * `sinceMs` bounds the hours read to those from the hour it falls in on (default: every hour).
 */
export function hourlyWindows(
  db: FleetDb | undefined,
  model: string,
  version: number,
  sinceMs?: number,
): MergedWindow[] | undefined {
  if (!db?.open) return undefined;
  const { hours, read, cache } = rollupsOf(db);
  const fromHour = sinceMs === undefined ? Number.NEGATIVE_INFINITY : Math.floor(sinceMs / HOUR_MS);
  // '' sorts before every ISO time: all hours.
  const fromIso = sinceMs === undefined ? '' : new Date(fromHour * HOUR_MS).toISOString();
  const prefix = `${model}\u0000${version}\u0000`;
  const seen = new Set<string>();
  const out: MergedWindow[] = [];
  for (const h of hours.all(model, version, fromIso)) {
    const key = prefix + String(h.hour);
    seen.add(key);
    let c = cache.get(key);
    if (!c || c.count !== h.n || c.lastRowid !== h.last) {
      const windows = read.all(model, version, h.hour).map((r) => JSON.parse(r.json) as TelemetryWindow);
      if (windows.length === 0) continue;
      c = { count: h.n, lastRowid: h.last, window: mergeWindows(windows, h.hour * HOUR_MS) };
      cache.set(key, c);
    }
    out.push(c.window);
  }
  for (const key of cache.keys())
    if (key.startsWith(prefix) && Number(key.slice(prefix.length)) >= fromHour && !seen.has(key)) cache.delete(key);
  return out;
}

/**
 * The windows drift reads for (model, version) over the whole range: the hourly rollups when the
 * statistics asked for come out the same from them (`wholeHours`: the whole-range report, or a
 * series of the whole model in buckets of whole hours) and the store's fleet.db `db` is given; else
 * every window.
 */
export function windowsForDrift(
  store: FleetStore,
  q: TelemetryQuery & { version: number },
  wholeHours: boolean,
  db?: FleetDb,
): TelemetryWindow[] {
  if (wholeHours && q.device === undefined && q.since === undefined && q.until === undefined) {
    const rollups = hourlyWindows(db, q.model, q.version);
    if (rollups) return rollups;
  }
  return store.telemetryWindows(q);
}
