import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DesiredState, ReportedState } from '@outpost/protocol';
import type { CachedArtifact, DeadLetter, GatewayStore, KnownDevice, OutboxEntry } from './gateway-store.ts';

export const GATEWAY_DB_FILE = 'gateway.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS artifacts (
  artifact_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  fetched_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  last_seen INTEGER NOT NULL,
  reported TEXT
);
CREATE TABLE IF NOT EXISTS desired (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  retain INTEGER NOT NULL,
  enqueued_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  at INTEGER NOT NULL
);
`;

interface ArtifactRow {
  artifact_id: string;
  name: string;
  version: number;
  fetched_at: number;
}
interface DeviceRow {
  id: string;
  last_seen: number;
  reported: string | null;
}
interface OutboxRow {
  id: number;
  topic: string;
  payload: Buffer;
  retain: number;
  enqueued_at: number;
}
interface DeadLetterRow {
  topic: string;
  payload: Buffer;
  code: string;
  reason: string;
  at: number;
}

const toArtifact = (r: ArtifactRow): CachedArtifact => ({
  artifactId: r.artifact_id,
  name: r.name,
  version: r.version,
  fetchedAt: r.fetched_at,
});
const toDevice = (r: DeviceRow): KnownDevice => ({
  id: r.id,
  lastSeen: r.last_seen,
  reported: r.reported === null ? null : (JSON.parse(r.reported) as ReportedState),
});

/**
 * The gateway's SQLite store, `<dataDir>/gateway.db`, WAL with synchronous=NORMAL (STACK.md
 * "SQLite"): an enqueued outbox row survives a process crash before it is published upstream.
 */
export function openSqliteStore(dataDir: string): GatewayStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, GATEWAY_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);

  const q = {
    putArtifact: db.prepare(
      `INSERT INTO artifacts (artifact_id, name, version, fetched_at) VALUES (@artifactId, @name, @version, @fetchedAt)
       ON CONFLICT(artifact_id) DO UPDATE SET name = excluded.name, version = excluded.version, fetched_at = excluded.fetched_at`,
    ),
    getArtifact: db.prepare<[string], ArtifactRow>('SELECT * FROM artifacts WHERE artifact_id = ?'),
    listArtifacts: db.prepare<[], ArtifactRow>('SELECT * FROM artifacts ORDER BY fetched_at, artifact_id'),
    deleteArtifact: db.prepare('DELETE FROM artifacts WHERE artifact_id = ?'),
    getDevice: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE id = ?'),
    upsertDevice: db.prepare(
      `INSERT INTO devices (id, last_seen, reported) VALUES (?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen, reported = excluded.reported`,
    ),
    listDevices: db.prepare<[], DeviceRow>('SELECT * FROM devices ORDER BY id'),
    getDesired: db.prepare<[], { state: string }>('SELECT state FROM desired WHERE one = 1'),
    setDesired: db.prepare(
      'INSERT INTO desired (one, state) VALUES (1, ?) ON CONFLICT(one) DO UPDATE SET state = excluded.state',
    ),
    enqueue: db.prepare('INSERT INTO outbox (topic, payload, retain, enqueued_at) VALUES (?, ?, ?, ?)'),
    peekOutbox: db.prepare<[number, number], OutboxRow>('SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?'),
    ack: db.prepare('DELETE FROM outbox WHERE id = ?'),
    outboxDepth: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox'),
    addDeadLetter: db.prepare('INSERT INTO dead_letters (topic, payload, code, reason, at) VALUES (?, ?, ?, ?, ?)'),
    listDeadLetters: db.prepare<[number], DeadLetterRow>(
      'SELECT topic, payload, code, reason, at FROM dead_letters ORDER BY id DESC LIMIT ?',
    ),
    deadLetterCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dead_letters'),
  };
  const upsertDevice = db.transaction((id: string, lastSeen: number, reported: ReportedState | null): boolean => {
    const known = q.getDevice.get(id) !== undefined;
    q.upsertDevice.run(id, lastSeen, reported === null ? null : JSON.stringify(reported));
    return !known;
  });
  // SQLite takes at most 2^63-1; "no limit" is spelled as -1 in a LIMIT clause.
  const limitOf = (limit: number | undefined): number => (limit === undefined || !Number.isFinite(limit) ? -1 : limit);

  return {
    putArtifact(a) {
      q.putArtifact.run(a);
    },
    getArtifact(id) {
      const r = q.getArtifact.get(id);
      return r ? toArtifact(r) : undefined;
    },
    listArtifacts() {
      return q.listArtifacts.all().map(toArtifact);
    },
    deleteArtifact(id) {
      q.deleteArtifact.run(id);
    },
    upsertDevice(id, lastSeen, reported) {
      return upsertDevice(id, lastSeen, reported);
    },
    getDevice(id) {
      const r = q.getDevice.get(id);
      return r ? toDevice(r) : undefined;
    },
    listDevices() {
      return q.listDevices.all().map(toDevice);
    },
    getDesired() {
      const r = q.getDesired.get();
      return r ? (JSON.parse(r.state) as DesiredState) : undefined;
    },
    setDesired(d: DesiredState) {
      q.setDesired.run(JSON.stringify(d));
    },
    enqueue(topic, payload, retain, enqueuedAt) {
      return Number(q.enqueue.run(topic, payload, retain ? 1 : 0, enqueuedAt).lastInsertRowid);
    },
    peekOutbox(limit, afterId = 0): OutboxEntry[] {
      return q.peekOutbox.all(afterId, limitOf(limit)).map((r) => ({
        id: r.id,
        topic: r.topic,
        payload: r.payload,
        retain: r.retain === 1,
        enqueuedAt: r.enqueued_at,
      }));
    },
    ack(id) {
      q.ack.run(id);
    },
    outboxDepth() {
      return q.outboxDepth.get()?.n ?? 0;
    },
    addDeadLetter(l: DeadLetter) {
      q.addDeadLetter.run(l.topic, l.payload, l.code, l.reason, l.at);
    },
    listDeadLetters(limit) {
      return q.listDeadLetters.all(limitOf(limit)).map((r) => ({ ...r }));
    },
    deadLetterCount() {
      return q.deadLetterCount.get()?.n ?? 0;
    },
    close() {
      if (db.open) db.close();
    },
  };
}
