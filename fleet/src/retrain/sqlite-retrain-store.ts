import { useFleetDb, type FleetDb } from '../store/fleet-db.ts';
import type { RetrainRun } from './retrain-run.ts';
import type { RetrainRunStore } from './retrain-store.ts';

/** The retraining runs' table, created in fleet.db next to the fleet store's own (IF NOT EXISTS). */
export const RETRAIN_SCHEMA = `
CREATE TABLE IF NOT EXISTS retrain_runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  model TEXT NOT NULL,
  started_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS retrain_runs_model ON retrain_runs (model, started_at);
`;

/**
 * Retraining runs in the fleet's SQLite file (`file` is fleet.db's path), on a connection of its
 * own in WAL mode: the CLI's `outpost retrain` and a running fleet's trigger and API write them from
 * two processes.
 */
export function openSqliteRetrainStore(target: string | FleetDb): RetrainRunStore {
  const { db, close } = useFleetDb(target);
  db.exec(RETRAIN_SCHEMA);
  const upsert = db.prepare(
    `INSERT INTO retrain_runs (id, model, started_at, outcome, body) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET model = excluded.model, started_at = excluded.started_at,
       outcome = excluded.outcome, body = excluded.body`,
  );
  const parse = (r: { body: string }): RetrainRun => JSON.parse(r.body) as RetrainRun;
  return {
    put(run) {
      upsert.run(run.id, run.model, run.startedAt, run.outcome, JSON.stringify(run));
    },
    get(id) {
      const r = db.prepare<[string], { body: string }>('SELECT body FROM retrain_runs WHERE id = ?').get(id);
      return r ? parse(r) : undefined;
    },
    list(query = {}) {
      const where = query.model === undefined ? '' : 'WHERE model = @model';
      const limit = query.limit === undefined ? '' : 'LIMIT @limit';
      return db
        .prepare<Record<string, unknown>, { body: string }>(
          `SELECT body FROM retrain_runs ${where} ORDER BY started_at DESC, seq DESC ${limit}`,
        )
        .all({
          ...(query.model !== undefined ? { model: query.model } : {}),
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
        })
        .map(parse);
    },
    close,
  };
}
