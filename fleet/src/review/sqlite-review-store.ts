import { useFleetDb, type FleetDb } from '../store/fleet-db.ts';
import type { FeatureValue } from '@outpost/protocol';
import {
  DEFAULT_REVIEW_MAX_ITEMS,
  type ReviewBounds,
  type ReviewQuery,
  type ReviewStore,
  type StoredReviewItem,
} from './review-store.ts';

/** The review queue's own tables in fleet.db (created on open; the fleet store's schema is not touched). */
export const REVIEW_SCHEMA = `
CREATE TABLE IF NOT EXISTS review_items (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  gateway TEXT NOT NULL,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  at TEXT NOT NULL,
  inputs TEXT NOT NULL,
  prediction REAL NOT NULL,
  confidence REAL,
  reason TEXT NOT NULL,
  received_at TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'labelled')),
  label TEXT,
  labelled_by TEXT,
  labelled_at TEXT,
  UNIQUE (device, prediction_id)
);
CREATE INDEX IF NOT EXISTS review_items_model ON review_items (model, seq);
CREATE TABLE IF NOT EXISTS review_counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
`;

interface Row {
  seq: number;
  device: string;
  prediction_id: string;
  gateway: string;
  model: string;
  version: number;
  at: string;
  inputs: string;
  prediction: number;
  confidence: number | null;
  reason: StoredReviewItem['reason'];
  received_at: string;
  state: StoredReviewItem['state'];
  label: string | null;
  labelled_by: string | null;
  labelled_at: string | null;
}

const toItem = (r: Row): StoredReviewItem => ({
  seq: r.seq,
  device: r.device,
  predictionId: r.prediction_id,
  gateway: r.gateway,
  model: r.model,
  version: r.version,
  at: r.at,
  inputs: JSON.parse(r.inputs) as Record<string, FeatureValue>,
  prediction: r.prediction,
  confidence: r.confidence,
  reason: r.reason,
  receivedAt: r.received_at,
  state: r.state,
  // Labels are stored as JSON text so a numeric label and a string label stay apart.
  ...(r.label !== null ? { label: JSON.parse(r.label) as number | string } : {}),
  ...(r.labelled_by !== null ? { labelledBy: r.labelled_by } : {}),
  ...(r.labelled_at !== null ? { labelledAt: r.labelled_at } : {}),
});

function where(q: ReviewQuery): { sql: string; args: (string | number)[] } {
  const conditions: [string, string | number | undefined][] = [
    ['model = ?', q.model],
    ['device = ?', q.device],
    ['state = ?', q.state],
    ['seq > ?', q.afterSeq],
  ];
  const used = conditions.filter((c): c is [string, string | number] => c[1] !== undefined);
  return {
    sql: used.length > 0 ? `WHERE ${used.map((c) => c[0]).join(' AND ')}` : '',
    args: used.map((c) => c[1]),
  };
}

/**
 * The review queue in fleet.db, on the fleet's open connection (`db`), or on its own connection to
 * a file path. Its tables are created here (REVIEW_SCHEMA).
 */
export function openSqliteReviewStore(db: FleetDb | string, bounds: ReviewBounds = {}): ReviewStore {
  const maxItems = bounds.maxItems ?? DEFAULT_REVIEW_MAX_ITEMS;
  const { db: conn, close } = useFleetDb(db);
  conn.exec(REVIEW_SCHEMA);
  const q = {
    insert: conn.prepare(
      `INSERT OR IGNORE INTO review_items (device, prediction_id, gateway, model, version, at, inputs, prediction,
         confidence, reason, received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
    ),
    get: conn.prepare<[string, string], Row>('SELECT * FROM review_items WHERE device = ? AND prediction_id = ?'),
    count: conn.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM review_items'),
    dropOldest: conn.prepare<[string, number]>(
      'DELETE FROM review_items WHERE seq IN (SELECT seq FROM review_items WHERE state = ? ORDER BY seq LIMIT ?)',
    ),
    addDropped: conn.prepare<[number]>(
      `INSERT INTO review_counters (name, n) VALUES ('dropped', ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n`,
    ),
    dropped: conn.prepare<[], { n: number }>(`SELECT n FROM review_counters WHERE name = 'dropped'`),
    setLabel: conn.prepare(
      `UPDATE review_items SET state = 'labelled', label = ?, labelled_by = ?, labelled_at = ?
       WHERE device = ? AND prediction_id = ? AND state = 'pending'`,
    ),
  };
  const add = conn.transaction((item: Parameters<ReviewStore['add']>[0], receivedAt: string) => {
    const changes = q.insert.run(
      item.device,
      item.predictionId,
      item.gateway,
      item.model,
      item.version,
      item.at,
      JSON.stringify(item.inputs),
      item.prediction,
      item.confidence,
      item.reason,
      receivedAt,
    ).changes;
    if (changes === 0) return 'duplicate' as const;
    let over = (q.count.get()?.n ?? 0) - maxItems;
    for (const state of ['labelled', 'pending']) {
      if (over <= 0) break;
      const gone = Number(q.dropOldest.run(state, over).changes);
      if (gone > 0) q.addDropped.run(gone);
      over -= gone;
    }
    return 'stored' as const;
  });
  const label = conn.transaction(
    (device: string, predictionId: string, value: number | string, by: string, at: string) => {
      const r = q.get.get(device, predictionId);
      if (!r) return { outcome: 'unknown' as const };
      if (r.state === 'labelled') {
        const same = r.label !== null && JSON.parse(r.label) === value;
        return { outcome: same ? ('unchanged' as const) : ('conflict' as const), item: toItem(r) };
      }
      q.setLabel.run(JSON.stringify(value), by, at, device, predictionId);
      return { outcome: 'labelled' as const, item: toItem(q.get.get(device, predictionId) as Row) };
    },
  );
  return {
    add: (item, receivedAt) => add(item, receivedAt),
    get(device, predictionId) {
      const r = q.get.get(device, predictionId);
      return r && toItem(r);
    },
    list(query = {}) {
      const w = where(query);
      const limit = query.limit === undefined ? -1 : query.limit;
      return conn
        .prepare<(string | number)[], Row>(`SELECT * FROM review_items ${w.sql} ORDER BY seq LIMIT ?`)
        .all(...w.args, limit)
        .map(toItem);
    },
    count(query = {}) {
      const w = where(query);
      return (
        conn
          .prepare<(string | number)[], { n: number }>(`SELECT COUNT(*) AS n FROM review_items ${w.sql}`)
          .get(...w.args)?.n ?? 0
      );
    },
    label: (device, predictionId, value, by, at) => label(device, predictionId, value, by, at),
    dropped: () => q.dropped.get()?.n ?? 0,
    close() {
      close();
    },
  };
}
