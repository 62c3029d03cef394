import { useFleetDb, type FleetDb } from '../store/fleet-db.ts';
import {
  matchesAlert,
  matchesLabel,
  mergeLabel,
  type Alert,
  type AlertQuery,
  type JoinedLabel,
  type MonitorStore,
} from './monitor-store.ts';

/**
 * Monitoring's own tables, created in fleet.db beside the fleet store's (docs/MONITORING.md
 * "Storage"). Labels are keyed by prediction id; the label column keeps its type (number or text).
 */
export const MONITOR_SCHEMA = `
CREATE TABLE IF NOT EXISTS monitor_labels (
  prediction_id TEXT PRIMARY KEY,
  device TEXT,
  label,
  labelled_at TEXT,
  source TEXT NOT NULL,
  model TEXT,
  version INTEGER,
  predicted_at TEXT,
  prediction REAL,
  confidence REAL
);
CREATE INDEX IF NOT EXISTS monitor_labels_model ON monitor_labels (model, version, predicted_at);
CREATE TABLE IF NOT EXISTS monitor_alerts (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  state TEXT NOT NULL,
  model TEXT NOT NULL,
  since TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS monitor_alerts_key ON monitor_alerts (key, state);
`;

interface LabelRow {
  prediction_id: string;
  device: string | null;
  label: number | string | null;
  labelled_at: string | null;
  source: 'device' | 'import' | 'review';
  model: string | null;
  version: number | null;
  predicted_at: string | null;
  prediction: number | null;
  confidence: number | null;
}

function fromRow(r: LabelRow): JoinedLabel {
  return {
    predictionId: r.prediction_id,
    source: r.source,
    ...(r.device !== null ? { device: r.device } : {}),
    ...(r.label !== null ? { label: r.label } : {}),
    ...(r.labelled_at !== null ? { labelledAt: r.labelled_at } : {}),
    ...(r.model !== null && r.version !== null && r.predicted_at !== null && r.prediction !== null
      ? {
          prediction: {
            value: r.prediction,
            model: r.model,
            version: r.version,
            at: r.predicted_at,
            confidence: r.confidence,
          },
        }
      : {}),
  };
}

/**
 * Opens monitoring's tables in a SQLite file — normally the fleet's own `fleet.db`, through a
 * connection of its own (WAL lets it share the file with the fleet store).
 */
export function openSqliteMonitorStore(target: string | FleetDb): MonitorStore {
  const { db, close } = useFleetDb(target);
  db.exec(MONITOR_SCHEMA);
  const st = {
    getLabel: db.prepare<[string], LabelRow>('SELECT * FROM monitor_labels WHERE prediction_id = ?'),
    putLabel: db.prepare(
      `INSERT OR REPLACE INTO monitor_labels (prediction_id, device, label, labelled_at, source, model, version, predicted_at, prediction, confidence)
       VALUES (@prediction_id, @device, @label, @labelled_at, @source, @model, @version, @predicted_at, @prediction, @confidence)`,
    ),
    joined: db.prepare<[string], LabelRow>(
      `SELECT * FROM monitor_labels WHERE model = ? AND label IS NOT NULL AND prediction IS NOT NULL
       ORDER BY predicted_at, prediction_id`,
    ),
    unjoined: db.prepare<[], { n: number }>(
      'SELECT COUNT(*) AS n FROM monitor_labels WHERE label IS NULL OR prediction IS NULL',
    ),
    putAlert: db.prepare(
      'INSERT OR REPLACE INTO monitor_alerts (id, key, state, model, since, json) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    getAlert: db.prepare<[string], { json: string }>('SELECT json FROM monitor_alerts WHERE id = ?'),
    openAlert: db.prepare<[string], { json: string }>(
      "SELECT json FROM monitor_alerts WHERE key = ? AND state != 'resolved' ORDER BY since DESC LIMIT 1",
    ),
    alerts: db.prepare<[], { json: string }>('SELECT json FROM monitor_alerts ORDER BY since DESC, id'),
  };
  const getLabel = (id: string): JoinedLabel | undefined => {
    const r = st.getLabel.get(id);
    return r ? fromRow(r) : undefined;
  };
  const putLabel = db.transaction((input: Parameters<MonitorStore['putLabel']>[0]): JoinedLabel => {
    const merged = mergeLabel(getLabel(input.predictionId), input);
    st.putLabel.run({
      prediction_id: merged.predictionId,
      device: merged.device ?? null,
      label: merged.label ?? null,
      labelled_at: merged.labelledAt ?? null,
      source: merged.source,
      model: merged.prediction?.model ?? null,
      version: merged.prediction?.version ?? null,
      predicted_at: merged.prediction?.at ?? null,
      prediction: merged.prediction?.value ?? null,
      confidence: merged.prediction?.confidence ?? null,
    });
    return merged;
  });
  return {
    putLabel: (input) => putLabel(input),
    getLabel,
    joinedLabels(q) {
      return st.joined
        .all(q.model)
        .map(fromRow)
        .filter((l) => matchesLabel(l, q));
    },
    countUnjoined: () => st.unjoined.get()?.n ?? 0,
    putAlert: (a) => void st.putAlert.run(a.id, a.key, a.state, a.model, a.since, JSON.stringify(a)),
    getAlert(id) {
      const r = st.getAlert.get(id);
      return r ? (JSON.parse(r.json) as Alert) : undefined;
    },
    openAlert(key) {
      const r = st.openAlert.get(key);
      return r ? (JSON.parse(r.json) as Alert) : undefined;
    },
    alerts: (q?: AlertQuery) =>
      st.alerts
        .all()
        .map((r) => JSON.parse(r.json) as Alert)
        .filter((a) => matchesAlert(a, q)),
    close,
  };
}
