import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** An open fleet.db, as every fleet store takes it. */
export type FleetDb = Database.Database;

/**
 * Opens a fleet SQLite file the one way every fleet store expects (docs/ARCHITECTURE.md "State kept by each tier"):
 * WAL (the running fleet and the `outpost` commands read and write it side by side), synchronous
 * NORMAL (a commit survives the process being killed; a power cut can roll back the last commits
 * but never corrupts the file), and a 5 s busy timeout for the other process's writes.
 */
export function openFleetDb(file: string): FleetDb {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/**
 * A store's database: a path (the store opens it and closes it with itself) or an open fleet.db
 * shared with the other stores (the store never closes it; its owner does).
 */
export function useFleetDb(target: string | FleetDb): { db: FleetDb; close: () => void } {
  if (typeof target !== 'string') return { db: target, close: () => undefined };
  const db = openFleetDb(target);
  return { db, close: () => db.open && db.close() };
}
