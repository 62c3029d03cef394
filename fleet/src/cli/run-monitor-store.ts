import { join, resolve } from 'node:path';
import { silentLogger, systemClock } from '@outpost/protocol';
import { FLEET_DB_FILE } from '../fleet.ts';
import { createMonitor, type Monitor } from '../monitor/monitor.ts';
import { loadMonitorSettings } from '../monitor/settings.ts';
import { openSqliteMonitorStore } from '../monitor/sqlite-monitor-store.ts';
import type { MonitorSettings } from '../monitor/settings.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import { openFleetDb, type FleetDb } from '../store/fleet-db.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';

/**
 * Runs `fn` with the monitor of a fleet's data folder (offline: no broker, no webhook), its fleet
 * store and settings, then closes them: the one way the monitoring commands open fleet.db.
 */
export async function withMonitor<T>(
  dataDir: string,
  fn: (monitor: Monitor, opened: { store: FleetStore; db: FleetDb; settings: MonitorSettings }) => T | Promise<T>,
): Promise<T> {
  const dir = resolve(dataDir);
  const settings = loadMonitorSettings(dir);
  const file = join(dir, FLEET_DB_FILE);
  // One connection for both stores, given to the monitor for the hourly rollups.
  const db = openFleetDb(file);
  const store = openSqliteStore(db);
  const monitorStore = openSqliteMonitorStore(db);
  try {
    // Offline commands notify nobody: the running fleet owns delivery.
    const { webhook: _webhook, ...offline } = settings;
    return await fn(
      createMonitor({ store, db, monitorStore, settings: offline, clock: systemClock, logger: silentLogger }),
      { store, db, settings },
    );
  } finally {
    monitorStore.close();
    store.close();
    db.close();
  }
}
