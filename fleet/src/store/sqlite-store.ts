import { useFleetDb, type FleetDb } from './fleet-db.ts';
import {
  deadLetterBounds,
  deadLetterPayload,
  sha256Hex,
  type DesiredState,
  type LabelMessage,
  type Manifest,
  type ReportedState,
  type TelemetryWindow,
} from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { SCHEMA, migrate } from './sqlite-schema.ts';
import { telemetryWriter } from './sqlite-telemetry.ts';
import type {
  ArtifactRecord,
  DeadLetter,
  DeadLetterInput,
  FleetStore,
  FleetStoreOptions,
  TelemetryQuery,
} from './fleet-store.ts';

interface ArtifactRow {
  artifact_id: string;
  name: string;
  version: number;
  manifest: string;
  dir: string;
  registered_at: string;
  withdrawn_at?: string | null;
}

const DEAD_LETTERS_DROPPED = 'dead_letters_dropped';

interface DeadLetterRow {
  id: number;
  topic: string;
  payload: Buffer;
  code: string;
  reason: string;
  received_at: string;
  /** NULL on letters stored before payloads were bounded (then `payload` is the whole payload). */
  payload_bytes: number | null;
  payload_sha256: string | null;
}

/**
 * Columns and tables added after the first schema, created on open when missing so that an
 * existing fleet.db keeps working.
 */
interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  model: string | null;
  version: number | null;
  target: string;
  reason: string | null;
  details: string | null;
}

function toArtifact(row: ArtifactRow): ArtifactRecord {
  return {
    artifactId: row.artifact_id,
    name: row.name,
    version: row.version,
    manifest: JSON.parse(row.manifest) as Manifest,
    dir: row.dir,
    registeredAt: row.registered_at,
    ...(row.withdrawn_at ? { withdrawnAt: row.withdrawn_at } : {}),
  };
}

function telemetryWhere(q: TelemetryQuery): { where: string[]; params: (string | number)[] } {
  const where = ['model = ?'];
  const params: (string | number)[] = [q.model];
  if (q.version !== undefined) {
    where.push('version = ?');
    params.push(q.version);
  }
  if (q.device !== undefined) {
    where.push('device = ?');
    params.push(q.device);
  }
  if (q.since !== undefined) {
    where.push('window_end >= ?');
    params.push(q.since);
  }
  if (q.until !== undefined) {
    where.push('window_start <= ?');
    params.push(q.until);
  }
  return { where, params };
}

/** The default fleet store: one SQLite file (`<dataDir>/fleet.db`), WAL, synchronous=NORMAL. */
export function openSqliteStore(target: string | FleetDb, options: FleetStoreOptions = {}): FleetStore {
  const bounds = deadLetterBounds(options.deadLetters);
  const { db, close } = useFleetDb(target);
  db.exec(SCHEMA);
  migrate(db);

  const st = {
    putArtifact: db.prepare(
      'INSERT INTO artifacts (artifact_id, name, version, manifest, dir, registered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    getArtifact: db.prepare<[string], ArtifactRow>('SELECT * FROM artifacts WHERE artifact_id = ?'),
    findArtifact: db.prepare<[string, number], ArtifactRow>('SELECT * FROM artifacts WHERE name = ? AND version = ?'),
    latestVersion: db.prepare<[string], { v: number | null }>('SELECT MAX(version) AS v FROM artifacts WHERE name = ?'),
    listAll: db.prepare<[], ArtifactRow>('SELECT * FROM artifacts ORDER BY name, version'),
    listByName: db.prepare<[string], ArtifactRow>('SELECT * FROM artifacts WHERE name = ? ORDER BY version'),
    putDesired: db.prepare(
      'INSERT INTO desired (gateway_id, revision, json) VALUES (?, ?, ?) ON CONFLICT (gateway_id) DO UPDATE SET revision = excluded.revision, json = excluded.json',
    ),
    getDesired: db.prepare<[string], { json: string }>('SELECT json FROM desired WHERE gateway_id = ?'),
    listDesired: db.prepare<[], { json: string }>('SELECT json FROM desired ORDER BY gateway_id'),
    putReported: db.prepare(
      'INSERT INTO reported (source, kind, json, at, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, json = excluded.json, at = excluded.at, received_at = excluded.received_at',
    ),
    reportedSeen: db.prepare<[], { source: string; seen: string | null }>(
      'SELECT source, received_at AS seen FROM reported',
    ),
    telemetrySeen: db.prepare<[], { source: string; seen: string }>(
      'SELECT device AS source, MAX(received_at) AS seen FROM telemetry GROUP BY device',
    ),
    withdraw: db.prepare<[string, string, number]>(
      'UPDATE artifacts SET withdrawn_at = ? WHERE name = ? AND version = ? AND withdrawn_at IS NULL',
    ),
    addAudit: db.prepare(
      'INSERT INTO audit (at, actor, action, model, version, target, reason, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    listReported: db.prepare<[], { json: string }>('SELECT json FROM reported ORDER BY source'),
    countTelemetry: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM telemetry'),
    deviceGateway: db.prepare<[string], { gateway: string }>('SELECT gateway FROM device_gateways WHERE device = ?'),
    bindDeviceGateway: db.prepare('INSERT OR IGNORE INTO device_gateways (device, gateway, since) VALUES (?, ?, ?)'),
    rebindDeviceGateway: db.prepare(
      'INSERT INTO device_gateways (device, gateway, since) VALUES (?, ?, ?) ON CONFLICT (device) DO UPDATE SET gateway = excluded.gateway, since = excluded.since',
    ),
    countGatewayDevices: db.prepare<[string], { n: number }>(
      'SELECT COUNT(*) AS n FROM device_gateways WHERE gateway = ?',
    ),
    releaseGatewayDevices: db.prepare('DELETE FROM device_gateways WHERE gateway = ?'),
    addLabel: db.prepare(
      'INSERT INTO labels (device, prediction_id, label, at) VALUES (?, ?, ?, ?) ON CONFLICT (device, prediction_id) DO UPDATE SET label = excluded.label, at = excluded.at',
    ),
    labelsAll: db.prepare<[], { device: string; prediction_id: string; label: number | string; at: string }>(
      'SELECT * FROM labels ORDER BY device, at, prediction_id',
    ),
    labelsOf: db.prepare<[string], { device: string; prediction_id: string; label: number | string; at: string }>(
      'SELECT * FROM labels WHERE device = ? ORDER BY at, prediction_id',
    ),
    addDeadLetter: db.prepare(
      'INSERT INTO dead_letters (topic, payload, code, reason, received_at, payload_bytes, payload_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    dropOldestDeadLetters: db.prepare<[number]>(
      'DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters ORDER BY id LIMIT ?)',
    ),
    addCounter: db.prepare<[string, number]>(
      'INSERT INTO counters (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = n + excluded.n',
    ),
    getCounter: db.prepare<[string], { n: number }>('SELECT n FROM counters WHERE name = ?'),
    deadLetters: db.prepare<[], DeadLetterRow>('SELECT * FROM dead_letters ORDER BY id'),
    countDeadLetters: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dead_letters'),
  };

  const { insertWindow, insertWindows } = telemetryWriter(db);

  const store: FleetStore = {
    putArtifact(r) {
      const info = st.putArtifact.run(
        r.artifactId,
        r.name,
        r.version,
        JSON.stringify(r.manifest),
        r.dir,
        r.registeredAt,
      );
      if (info.changes === 1) return;
      const taken = st.findArtifact.get(r.name, r.version);
      if (taken && taken.artifact_id !== r.artifactId) {
        throw fleetError(
          FleetErrorCodes.VERSION_EXISTS,
          `${r.name} v${r.version} is already registered as ${taken.artifact_id}`,
          {
            name: r.name,
            version: r.version,
            artifactId: taken.artifact_id,
          },
        );
      }
    },
    getArtifact(id) {
      const row = st.getArtifact.get(id);
      return row ? toArtifact(row) : undefined;
    },
    findArtifact(name, version) {
      const row = st.findArtifact.get(name, version);
      return row ? toArtifact(row) : undefined;
    },
    latestVersion(name) {
      return st.latestVersion.get(name)?.v ?? undefined;
    },
    listArtifacts(name) {
      return (name === undefined ? st.listAll.all() : st.listByName.all(name)).map(toArtifact);
    },
    putDesired(state) {
      st.putDesired.run(state.target, state.revision, JSON.stringify(state));
    },
    getDesired(gatewayId) {
      const row = st.getDesired.get(gatewayId);
      return row ? (JSON.parse(row.json) as DesiredState) : undefined;
    },
    listDesired() {
      return st.listDesired.all().map((r) => JSON.parse(r.json) as DesiredState);
    },
    putReported(state, receivedAt) {
      st.putReported.run(state.source, state.kind, JSON.stringify(state), state.at, receivedAt ?? null);
    },
    lastSeen() {
      const seen = new Map<string, string>();
      for (const r of [...st.reportedSeen.all(), ...st.telemetrySeen.all()]) {
        if (r.seen === null) continue;
        const prev = seen.get(r.source);
        if (prev === undefined || Date.parse(r.seen) > Date.parse(prev)) seen.set(r.source, r.seen);
      }
      return seen;
    },
    withdrawArtifact(name, version, at) {
      st.withdraw.run(at, name, version);
    },
    addAudit(e) {
      const info = st.addAudit.run(
        e.at,
        e.actor,
        e.action,
        e.model ?? null,
        e.version ?? null,
        e.target,
        e.reason ?? null,
        e.details ? JSON.stringify(e.details) : null,
      );
      return Number(info.lastInsertRowid);
    },
    audit(q = {}) {
      const where: string[] = [];
      const params: string[] = [];
      if (q.since !== undefined) {
        where.push('at >= ?');
        params.push(q.since);
      }
      if (q.until !== undefined) {
        where.push('at <= ?');
        params.push(q.until);
      }
      if (q.model !== undefined) {
        where.push('model = ?');
        params.push(q.model);
      }
      if (q.action !== undefined) {
        where.push('action = ?');
        params.push(q.action);
      }
      const sql = `SELECT * FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
      return db
        .prepare<string[], AuditRow>(sql)
        .all(...params)
        .map((r) => ({
          id: r.id,
          at: r.at,
          actor: r.actor,
          action: r.action,
          target: r.target,
          ...(r.model !== null ? { model: r.model } : {}),
          ...(r.version !== null ? { version: r.version } : {}),
          ...(r.reason !== null ? { reason: r.reason } : {}),
          ...(r.details !== null ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
        }));
    },
    listReported() {
      return st.listReported.all().map((r) => JSON.parse(r.json) as ReportedState);
    },
    insertTelemetry(w, receivedAt) {
      return insertWindow(w, receivedAt);
    },
    insertTelemetryBatch(windows, receivedAt) {
      return windows.length === 0 ? [] : insertWindows(windows, receivedAt);
    },
    telemetryVersions(q) {
      const { where, params } = telemetryWhere(q);
      return db
        .prepare<(string | number)[], { version: number }>(
          `SELECT DISTINCT version FROM telemetry WHERE ${where.join(' AND ')} ORDER BY version`,
        )
        .all(...params)
        .map((r) => r.version);
    },
    telemetryWindows(q: TelemetryQuery) {
      const { where, params } = telemetryWhere(q);
      const rows = db
        .prepare<(string | number)[], { json: string }>(
          `SELECT json FROM telemetry WHERE ${where.join(' AND ')} ORDER BY device, seq`,
        )
        .all(...params);
      return rows.map((r) => JSON.parse(r.json) as TelemetryWindow);
    },
    countTelemetry() {
      return st.countTelemetry.get()?.n ?? 0;
    },
    deviceGateway(device) {
      return st.deviceGateway.get(device)?.gateway;
    },
    bindDeviceGateway(device, gateway, since) {
      // Read first: after first sight (every message but one per device) this writes nothing.
      const bound = st.deviceGateway.get(device)?.gateway;
      if (bound !== undefined) return bound;
      st.bindDeviceGateway.run(device, gateway, since);
      return st.deviceGateway.get(device)?.gateway ?? gateway;
    },
    rebindDeviceGateway(device, gateway, since) {
      st.rebindDeviceGateway.run(device, gateway, since);
    },
    countGatewayDevices(gateway) {
      return st.countGatewayDevices.get(gateway)?.n ?? 0;
    },
    releaseGatewayDevices(gateway) {
      return st.releaseGatewayDevices.run(gateway).changes;
    },
    addLabel(l) {
      st.addLabel.run(l.device, l.predictionId, l.label, l.at);
    },
    labels(device) {
      const rows = device === undefined ? st.labelsAll.all() : st.labelsOf.all(device);
      return rows.map((r): LabelMessage => ({
        device: r.device,
        predictionId: r.prediction_id,
        label: r.label,
        at: r.at,
      }));
    },
    addDeadLetter: db.transaction((d: DeadLetterInput): number => {
      const { prefix, payloadBytes, payloadSha256 } = deadLetterPayload(d.payload, bounds.prefixBytes);
      const info = st.addDeadLetter.run(d.topic, prefix, d.code, d.reason, d.receivedAt, payloadBytes, payloadSha256);
      const over = (st.countDeadLetters.get()?.n ?? 0) - bounds.maxRows;
      if (over > 0) {
        const dropped = st.dropOldestDeadLetters.run(over).changes;
        st.addCounter.run(DEAD_LETTERS_DROPPED, dropped);
      }
      return Number(info.lastInsertRowid);
    }),
    deadLetters(): DeadLetter[] {
      return st.deadLetters.all().map((r) => ({
        id: r.id,
        topic: r.topic,
        payload: r.payload,
        payloadBytes: r.payload_bytes ?? r.payload.byteLength,
        payloadSha256: r.payload_sha256 ?? sha256Hex(r.payload),
        code: r.code,
        reason: r.reason,
        receivedAt: r.received_at,
      }));
    },
    countDeadLettersDropped() {
      return st.getCounter.get(DEAD_LETTERS_DROPPED)?.n ?? 0;
    },
    countDeadLetters() {
      return st.countDeadLetters.get()?.n ?? 0;
    },
    close() {
      close();
    },
  };
  return store;
}
