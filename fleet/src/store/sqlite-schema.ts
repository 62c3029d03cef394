import type Database from 'better-sqlite3';

/** The fleet's SQLite tables (fleet.db) and the migrations of older files; used by sqlite-store.ts. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS artifacts (
  artifact_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  dir TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS desired (
  gateway_id TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reported (
  source TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  json TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS telemetry (
  device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  artifact_id TEXT NOT NULL,
  gateway TEXT,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  rows INTEGER NOT NULL,
  json TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (device, seq)
);
CREATE INDEX IF NOT EXISTS telemetry_model ON telemetry (model, version, device);
CREATE TABLE IF NOT EXISTS labels (
  device TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  label,
  at TEXT NOT NULL,
  PRIMARY KEY (device, prediction_id)
);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  received_at TEXT NOT NULL
);
`;

export function migrate(db: Database.Database): void {
  const columns = new Set(
    db
      .prepare<[], { name: string }>('PRAGMA table_info(dead_letters)')
      .all()
      .map((c) => c.name),
  );
  if (!columns.has('payload_bytes')) db.exec('ALTER TABLE dead_letters ADD COLUMN payload_bytes INTEGER');
  if (!columns.has('payload_sha256')) db.exec('ALTER TABLE dead_letters ADD COLUMN payload_sha256 TEXT');
  db.exec('CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'device_gateways'").get()) {
    db.exec('CREATE TABLE device_gateways (device TEXT PRIMARY KEY, gateway TEXT NOT NULL, since TEXT NOT NULL)');
    // A fleet.db from before the table: each device belongs to the gateway its stored report came through.
    db.exec(
      `INSERT OR IGNORE INTO device_gateways (device, gateway, since)
       SELECT source, json_extract(json, '$.gateway'), at FROM reported
       WHERE kind = 'device' AND json_extract(json, '$.gateway') IS NOT NULL`,
    );
  }
  const artifactColumns = new Set(
    db
      .prepare<[], { name: string }>('PRAGMA table_info(artifacts)')
      .all()
      .map((c) => c.name),
  );
  if (!artifactColumns.has('withdrawn_at')) db.exec('ALTER TABLE artifacts ADD COLUMN withdrawn_at TEXT');
  const reportedColumns = new Set(
    db
      .prepare<[], { name: string }>('PRAGMA table_info(reported)')
      .all()
      .map((c) => c.name),
  );
  if (!reportedColumns.has('received_at')) db.exec('ALTER TABLE reported ADD COLUMN received_at TEXT');
  db.exec(`CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    model TEXT,
    version INTEGER,
    target TEXT NOT NULL,
    reason TEXT,
    details TEXT
  )`);
  db.exec('CREATE INDEX IF NOT EXISTS telemetry_received ON telemetry (device, received_at)');
  // Covers the hourly rollups' check of each hour's windows (fleet/src/monitor/hourly-windows.ts).
  db.exec('CREATE INDEX IF NOT EXISTS telemetry_model_start ON telemetry (model, version, window_start)');
  db.exec('CREATE INDEX IF NOT EXISTS device_gateways_gateway ON device_gateways (gateway)');
}
