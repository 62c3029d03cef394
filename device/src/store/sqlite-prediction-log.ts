import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { FeatureValue, ReviewReason } from '@outpost/protocol';
import {
  DEFAULT_LOG_BOUNDS,
  type LabelOutcome,
  type LoggedPrediction,
  type PredictionLog,
  type PredictionLogBounds,
} from './prediction-log.ts';

export const PREDICTION_LOG_FILE = 'predictions.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS predictions (
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  inputs TEXT NOT NULL,
  prediction REAL NOT NULL,
  confidence REAL,
  review INTEGER NOT NULL,
  label TEXT,
  labelled_at INTEGER,
  label_forwarded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS predictions_review ON predictions (review, label) WHERE review = 1 AND label IS NULL;
CREATE INDEX IF NOT EXISTS predictions_unforwarded ON predictions (label_forwarded) WHERE label IS NOT NULL AND label_forwarded = 0;
`;

/** Columns added after the first schema, created on open when missing (an existing predictions.db keeps working). */
function migrate(db: Database.Database): void {
  const columns = new Set(
    db
      .prepare<[], { name: string }>('PRAGMA table_info(predictions)')
      .all()
      .map((c) => c.name),
  );
  if (!columns.has('review_reason')) db.exec('ALTER TABLE predictions ADD COLUMN review_reason TEXT');
  if (!columns.has('review_forwarded'))
    db.exec('ALTER TABLE predictions ADD COLUMN review_forwarded INTEGER NOT NULL DEFAULT 0');
  db.exec(
    'CREATE INDEX IF NOT EXISTS predictions_review_unforwarded ON predictions (n) WHERE review = 1 AND review_forwarded = 0 AND label IS NULL',
  );
}

interface Row {
  id: string;
  at: number;
  model: string;
  version: number;
  inputs: string;
  prediction: number;
  confidence: number | null;
  review: number;
  review_reason: string | null;
  review_forwarded: number;
  label: string | null;
  labelled_at: number | null;
  label_forwarded: number;
}

/** Labels are stored as JSON text so a numeric label and a string label stay apart. */
const toEntry = (r: Row): LoggedPrediction => ({
  id: r.id,
  at: r.at,
  model: r.model,
  version: r.version,
  inputs: JSON.parse(r.inputs) as Record<string, FeatureValue>,
  prediction: r.prediction,
  confidence: r.confidence,
  review: r.review === 1,
  ...(r.review_reason !== null ? { reviewReason: r.review_reason as ReviewReason } : {}),
  ...(r.review_forwarded === 1 ? { reviewForwarded: true } : {}),
  ...(r.label !== null
    ? {
        label: JSON.parse(r.label) as number | string,
        labelledAt: r.labelled_at ?? 0,
        labelForwarded: r.label_forwarded === 1,
      }
    : {}),
});

/** How many rows one multi-row INSERT carries (9 parameters each, well under SQLite's limit). */
const INSERT_ROWS = 50;

/** One entry's INSERT parameters, in column order, appended to `params`. */
function pushParams(params: unknown[], e: LoggedPrediction): unknown[] {
  params.push(
    e.id,
    e.at,
    e.model,
    e.version,
    JSON.stringify(e.inputs),
    e.prediction,
    e.confidence,
    e.review ? 1 : 0,
    e.review ? (e.reviewReason ?? null) : null,
  );
  return params;
}

/** The prediction log in `<dataDir>/predictions.db` (WAL; one short transaction per append batch). */
export function openSqlitePredictionLog(file: string, bounds: PredictionLogBounds = {}): PredictionLog {
  const { maxRows, maxAgeMs } = { ...DEFAULT_LOG_BOUNDS, ...bounds };
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  migrate(db);
  const insertInto = (rows: number) =>
    db.prepare(
      `INSERT OR IGNORE INTO predictions (id, at, model, version, inputs, prediction, confidence, review, review_reason)
       VALUES ${new Array<string>(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
  // Rows go in INSERT_ROWS at a time, the rest one by one: a statement per row adds the statement's
  // own work to every row (measured: about 40% less per row in batches of 50).
  const insertMany = insertInto(INSERT_ROWS);
  const insertOne = insertInto(1);
  const appendAll = db.transaction((entries: readonly LoggedPrediction[]) => {
    let i = 0;
    const params: unknown[] = [];
    for (; i + INSERT_ROWS <= entries.length; i += INSERT_ROWS) {
      params.length = 0;
      for (let k = i; k < i + INSERT_ROWS; k++) pushParams(params, entries[k] as LoggedPrediction);
      insertMany.run(params);
    }
    for (; i < entries.length; i++) insertOne.run(pushParams([], entries[i] as LoggedPrediction));
  });
  const byId = db.prepare<[string], Row>('SELECT * FROM predictions WHERE id = ?');
  const setLabel = db.prepare('UPDATE predictions SET label = ?, labelled_at = ?, label_forwarded = 0 WHERE id = ?');
  const review = db.prepare<[number], Row>(
    'SELECT * FROM predictions WHERE review = 1 AND label IS NULL ORDER BY n DESC LIMIT ?',
  );
  const unforwarded = db.prepare<[number], Row>(
    'SELECT * FROM predictions WHERE label IS NOT NULL AND label_forwarded = 0 ORDER BY n LIMIT ?',
  );
  const forwarded = db.prepare('UPDATE predictions SET label_forwarded = 1 WHERE id = ?');
  const markAll = db.transaction((ids: readonly string[]) => {
    for (const id of ids) forwarded.run(id);
  });
  const unforwardedReview = db.prepare<[number], Row>(
    'SELECT * FROM predictions WHERE review = 1 AND review_forwarded = 0 AND label IS NULL ORDER BY n LIMIT ?',
  );
  const reviewForwarded = db.prepare('UPDATE predictions SET review_forwarded = 1 WHERE id = ?');
  const markReviews = db.transaction((ids: readonly string[]) => {
    for (const id of ids) reviewForwarded.run(id);
  });
  const pruneAge = db.prepare('DELETE FROM predictions WHERE at < ?');
  const pruneCount = db.prepare('DELETE FROM predictions WHERE n <= (SELECT MAX(n) FROM predictions) - ?');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM predictions');
  return {
    append: (entries) => appendAll(entries),
    get(id) {
      const r = byId.get(id);
      return r && toEntry(r);
    },
    label(id, label, at): LabelOutcome {
      const r = byId.get(id);
      if (!r) return 'unknown';
      if (r.label !== null) return JSON.parse(r.label) === label ? 'unchanged' : 'conflict';
      setLabel.run(JSON.stringify(label), at, id);
      return 'labelled';
    },
    reviewQueue: (limit) => review.all(limit).map(toEntry),
    unforwardedLabels: (limit) => unforwarded.all(limit).map(toEntry),
    markLabelsForwarded: (ids) => markAll(ids),
    unforwardedReviews: (limit) => unforwardedReview.all(limit).map(toEntry),
    markReviewsForwarded: (ids) => markReviews(ids),
    prune(now) {
      return Number(pruneAge.run(now - maxAgeMs).changes) + Number(pruneCount.run(maxRows).changes);
    },
    count: () => count.get()?.n ?? 0,
    close: () => db.close(),
  };
}
