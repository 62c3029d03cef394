import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  deadLetterBounds,
  deadLetterPayload,
  sha256Hex,
  type DesiredState,
  type ReportedState,
} from '@outpost/protocol';
import {
  MAX_QUEUED_KEYS,
  MAX_SEEN_SEQS_PER_DEVICE,
  type CachedArtifact,
  type DeadLetter,
  type GatewayStore,
  type GatewayStoreOptions,
  type KnownDevice,
  type OutboxEntry,
  type OutboxWrite,
  type TelemetryWrite,
  type StoredDeadLetter,
} from './gateway-store.ts';

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
  /** NULL on letters stored before payloads were bounded (then `payload` is the whole payload). */
  payload_bytes: number | null;
  payload_sha256: string | null;
}

const DEAD_LETTERS_DROPPED = 'dead_letters_dropped';

/** Columns and tables added after the first schema, created on open when missing (an existing gateway.db keeps working). */
function migrate(db: Database.Database): void {
  const columns = new Set(
    db
      .prepare<[], { name: string }>('PRAGMA table_info(dead_letters)')
      .all()
      .map((c) => c.name),
  );
  if (!columns.has('payload_bytes')) db.exec('ALTER TABLE dead_letters ADD COLUMN payload_bytes INTEGER');
  if (!columns.has('payload_sha256')) db.exec('ALTER TABLE dead_letters ADD COLUMN payload_sha256 TEXT');
  db.exec('CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  // Telemetry seqs seen per device: a contiguous floor and the seqs seen above it.
  db.exec('CREATE TABLE IF NOT EXISTS seen_floor (device TEXT PRIMARY KEY, floor INTEGER NOT NULL)');
  db.exec(
    'CREATE TABLE IF NOT EXISTS seen_seqs (device TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (device, seq))',
  );
  // Idempotency keys of labels and review items queued (a batch's `once` writes), oldest first by n.
  db.exec('CREATE TABLE IF NOT EXISTS queued_keys (n INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE)');
}

const toDeadLetter = (r: DeadLetterRow): StoredDeadLetter => ({
  topic: r.topic,
  payload: r.payload,
  code: r.code,
  reason: r.reason,
  at: r.at,
  payloadBytes: r.payload_bytes ?? r.payload.byteLength,
  payloadSha256: r.payload_sha256 ?? sha256Hex(r.payload),
});

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
 * The gateway's SQLite store, `<dataDir>/gateway.db`, WAL with synchronous=NORMAL: an
 * enqueued outbox row survives a process crash before it is published upstream.
 */
export function openSqliteStore(dataDir: string, options: GatewayStoreOptions = {}): GatewayStore {
  const bounds = deadLetterBounds(options.deadLetters);
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, GATEWAY_DB_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  migrate(db);

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
    // One statement for a whole receipt batch: the ids travel as one JSON array.
    ackMany: db.prepare<[string]>('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))'),
    getFloor: db.prepare<[string], { floor: number }>('SELECT floor FROM seen_floor WHERE device = ?'),
    setFloor: db.prepare<[string, number]>(
      'INSERT INTO seen_floor (device, floor) VALUES (?, ?) ON CONFLICT (device) DO UPDATE SET floor = excluded.floor',
    ),
    isSeen: db.prepare<[string, number], { one: number }>(
      'SELECT 1 AS one FROM seen_seqs WHERE device = ? AND seq = ?',
    ),
    addSeen: db.prepare<[string, number]>('INSERT INTO seen_seqs (device, seq) VALUES (?, ?)'),
    dropSeen: db.prepare<[string, number]>('DELETE FROM seen_seqs WHERE device = ? AND seq = ?'),
    countSeen: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM seen_seqs WHERE device = ?'),
    dropLowestSeen: db.prepare<[string, string, number]>(
      'DELETE FROM seen_seqs WHERE device = ? AND seq IN (SELECT seq FROM seen_seqs WHERE device = ? ORDER BY seq LIMIT ?)',
    ),
    outboxDepth: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox'),
    addKey: db.prepare<[string]>('INSERT OR IGNORE INTO queued_keys (key) VALUES (?)'),
    dropOldKeys: db.prepare<[number]>('DELETE FROM queued_keys WHERE n <= (SELECT MAX(n) FROM queued_keys) - ?'),
    addDeadLetter: db.prepare(
      'INSERT INTO dead_letters (topic, payload, code, reason, at, payload_bytes, payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    listDeadLetters: db.prepare<[number], DeadLetterRow>(
      'SELECT topic, payload, code, reason, at, payload_bytes, payload_sha256 FROM dead_letters ORDER BY id DESC LIMIT ?',
    ),
    dropOldestDeadLetters: db.prepare<[number]>(
      'DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters ORDER BY id LIMIT ?)',
    ),
    addCounter: db.prepare<[string, number]>(
      'INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n',
    ),
    getCounter: db.prepare<[string], { n: number }>('SELECT n FROM counters WHERE name = ?'),
    deadLetterCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dead_letters'),
  };
  const upsertDevice = db.transaction((id: string, lastSeen: number, reported: ReportedState | null): boolean => {
    const known = q.getDevice.get(id) !== undefined;
    q.upsertDevice.run(id, lastSeen, reported === null ? null : JSON.stringify(reported));
    return !known;
  });
  // The bodies of a batch's writes, run inside its one transaction.
  const insert = (topic: string, payload: Buffer, retain: boolean, enqueuedAt: number): number =>
    Number(q.enqueue.run(topic, payload, retain ? 1 : 0, enqueuedAt).lastInsertRowid);
  function queueTelemetry({ device, seq, topic, payload, enqueuedAt }: TelemetryWrite): number | false {
    let floor = q.getFloor.get(device)?.floor ?? 0;
    if ((seq >= 1 && seq <= floor) || q.isSeen.get(device, seq)) return false;
    const id = insert(topic, payload, false, enqueuedAt);
    if (seq === floor + 1) {
      floor = seq;
      while (q.dropSeen.run(device, floor + 1).changes === 1) floor++;
      q.setFloor.run(device, floor);
    } else {
      q.addSeen.run(device, seq);
      const over = (q.countSeen.get(device)?.n ?? 0) - MAX_SEEN_SEQS_PER_DEVICE;
      if (over > 0) q.dropLowestSeen.run(device, device, over);
    }
    return id;
  }
  function queueOnce(key: string, topic: string, payload: Buffer, enqueuedAt: number): number | false {
    if (q.addKey.run(key).changes === 0) return false;
    q.dropOldKeys.run(MAX_QUEUED_KEYS);
    return insert(topic, payload, false, enqueuedAt);
  }
  const enqueueBatch = db.transaction((writes: readonly OutboxWrite[]): (number | false)[] =>
    writes.map((w) => {
      if (w.kind === 'telemetry') return queueTelemetry(w);
      if (w.kind === 'once') return queueOnce(w.key, w.topic, w.payload, w.enqueuedAt);
      return insert(w.topic, w.payload, w.retain, w.enqueuedAt);
    }),
  );
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
      return insert(topic, payload, retain, enqueuedAt);
    },
    enqueueBatch(writes) {
      return writes.length === 0 ? [] : enqueueBatch(writes);
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
    ackMany(ids) {
      return ids.length === 0 ? 0 : q.ackMany.run(JSON.stringify(ids)).changes;
    },
    outboxDepth() {
      return q.outboxDepth.get()?.n ?? 0;
    },
    addDeadLetter: db.transaction((l: DeadLetter): void => {
      const { prefix, payloadBytes, payloadSha256 } = deadLetterPayload(l.payload, bounds.prefixBytes);
      q.addDeadLetter.run(l.topic, prefix, l.code, l.reason, l.at, payloadBytes, payloadSha256);
      const over = (q.deadLetterCount.get()?.n ?? 0) - bounds.maxRows;
      if (over > 0) q.addCounter.run(DEAD_LETTERS_DROPPED, q.dropOldestDeadLetters.run(over).changes);
    }),
    listDeadLetters(limit) {
      return q.listDeadLetters.all(limitOf(limit)).map(toDeadLetter);
    },
    deadLettersDropped() {
      return q.getCounter.get(DEAD_LETTERS_DROPPED)?.n ?? 0;
    },
    deadLetterCount() {
      return q.deadLetterCount.get()?.n ?? 0;
    },
    close() {
      if (db.open) db.close();
    },
  };
}
