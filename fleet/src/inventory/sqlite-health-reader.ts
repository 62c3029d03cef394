import type { FleetDb } from '../store/fleet-db.ts';
import { HEALTH_WINDOWS, healthFrom, type HealthReader } from './health.ts';

interface Row {
  rows: number;
  /** `[errors, latency counts]` as JSON. */
  figures: string;
}

/**
 * Health from fleet.db with a bounded query (docs/ARCHITECTURE.md "Inventory"): the latest
 * `HEALTH_WINDOWS` windows of (device, model) walked backwards on the telemetry table's primary
 * key (device, seq), and only the three figures health needs taken out of each window's JSON by
 * SQLite — so a device costs about 20 index steps, however many windows it has sent. It needs no
 * table or index of its own and nothing on ingest, and gives the same figures as `healthOf`
 * over every window (one contract suite).
 */
export function sqliteHealthReader(db: FleetDb): HealthReader {
  const latest = db.prepare<[string, string, number], Row>(
    `SELECT rows, json_extract(json, '$.errors', '$.latency.counts') AS figures
       FROM telemetry WHERE device = ? AND model = ? ORDER BY seq DESC LIMIT ?`,
  );
  return {
    health(device, model) {
      const rows = latest.all(device, model, HEALTH_WINDOWS);
      return healthFrom(
        rows.map((r) => {
          const [errors, latencyCounts] = JSON.parse(r.figures) as [number, number[]];
          return { rows: r.rows, errors, latencyCounts };
        }),
      );
    },
  };
}

const readers = new WeakMap<FleetDb, HealthReader>();

/** The bounded health reader of an open fleet.db, its statement prepared once per database. */
export function healthReaderFor(db: FleetDb): HealthReader {
  let r = readers.get(db);
  if (!r) readers.set(db, (r = sqliteHealthReader(db)));
  return r;
}
