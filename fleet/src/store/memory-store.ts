import {
  deadLetterBounds,
  deadLetterPayload,
  type DesiredState,
  type LabelMessage,
  type ReportedState,
  type TelemetryWindow,
} from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import type {
  ArtifactRecord,
  AuditEntry,
  DeadLetter,
  FleetStore,
  FleetStoreOptions,
  TelemetryQuery,
} from './fleet-store.ts';

/** Values go in and out as copies, as they would through SQLite, so callers cannot alias stored state. */
const copy = <T>(v: T): T => structuredClone(v);

function inQuery(w: TelemetryWindow, q: TelemetryQuery): boolean {
  return (
    w.model === q.model &&
    (q.version === undefined || w.version === q.version) &&
    (q.device === undefined || w.device === q.device) &&
    (q.since === undefined || w.windowEnd >= q.since) &&
    (q.until === undefined || w.windowStart <= q.until)
  );
}

/** An in-memory FleetStore with the same behaviour as the SQLite one (fleet/test/store-contract.ts). */
export function createMemoryStore(options: FleetStoreOptions = {}): FleetStore {
  const bounds = deadLetterBounds(options.deadLetters);
  let deadDropped = 0;
  const artifacts = new Map<string, ArtifactRecord>();
  const desired = new Map<string, DesiredState>();
  const reported = new Map<string, ReportedState>();
  const telemetry = new Map<string, TelemetryWindow>();
  const labels = new Map<string, LabelMessage>();
  const deviceGateways = new Map<string, string>();
  const dead: DeadLetter[] = [];
  const seenReported = new Map<string, string>();
  const seenTelemetry = new Map<string, string>();
  const auditLog: AuditEntry[] = [];
  let nextDeadId = 1;

  const byNameVersion = (name: string, version: number): ArtifactRecord | undefined =>
    [...artifacts.values()].find((a) => a.name === name && a.version === version);
  const sorted = <T>(items: T[], key: (t: T) => (string | number)[]): T[] =>
    items.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let i = 0; i < ka.length; i++) {
        const x = ka[i] as string | number;
        const y = kb[i] as string | number;
        if (x < y) return -1;
        if (x > y) return 1;
      }
      return 0;
    });

  function insertWindow(w: TelemetryWindow, receivedAt: string): boolean {
    const key = `${w.device}\u0000${w.seq}`;
    if (telemetry.has(key)) return false;
    telemetry.set(key, copy(w));
    const prev = seenTelemetry.get(w.device);
    if (prev === undefined || Date.parse(receivedAt) > Date.parse(prev)) seenTelemetry.set(w.device, receivedAt);
    return true;
  }

  return {
    putArtifact(r) {
      if (artifacts.has(r.artifactId)) return;
      const taken = byNameVersion(r.name, r.version);
      if (taken) {
        throw fleetError(
          FleetErrorCodes.VERSION_EXISTS,
          `${r.name} v${r.version} is already registered as ${taken.artifactId}`,
          {
            name: r.name,
            version: r.version,
            artifactId: taken.artifactId,
          },
        );
      }
      artifacts.set(r.artifactId, copy(r));
    },
    getArtifact(id) {
      const a = artifacts.get(id);
      return a && copy(a);
    },
    findArtifact(name, version) {
      const a = byNameVersion(name, version);
      return a && copy(a);
    },
    latestVersion(name) {
      const versions = [...artifacts.values()].filter((a) => a.name === name).map((a) => a.version);
      return versions.length === 0 ? undefined : Math.max(...versions);
    },
    listArtifacts(name) {
      const list = [...artifacts.values()].filter((a) => name === undefined || a.name === name);
      return sorted(list, (a) => [a.name, a.version]).map(copy);
    },
    putDesired(state) {
      desired.set(state.target, copy(state));
    },
    getDesired(gatewayId) {
      const d = desired.get(gatewayId);
      return d && copy(d);
    },
    listDesired() {
      return sorted([...desired.values()], (d) => [d.target]).map(copy);
    },
    putReported(state, receivedAt) {
      reported.set(state.source, copy(state));
      if (receivedAt !== undefined) seenReported.set(state.source, receivedAt);
      else seenReported.delete(state.source);
    },
    lastSeen() {
      const seen = new Map(seenReported);
      for (const [id, at] of seenTelemetry) {
        const prev = seen.get(id);
        if (prev === undefined || Date.parse(at) > Date.parse(prev)) seen.set(id, at);
      }
      return seen;
    },
    withdrawArtifact(name, version, at) {
      const a = byNameVersion(name, version);
      if (a && a.withdrawnAt === undefined) a.withdrawnAt = at;
    },
    addAudit(e) {
      const entry = { ...copy(e), id: auditLog.length + 1 };
      auditLog.push(entry);
      return entry.id;
    },
    audit(q = {}) {
      return auditLog
        .filter(
          (e) =>
            (q.since === undefined || e.at >= q.since) &&
            (q.until === undefined || e.at <= q.until) &&
            (q.model === undefined || e.model === q.model) &&
            (q.action === undefined || e.action === q.action),
        )
        .map(copy);
    },
    listReported() {
      return sorted([...reported.values()], (r) => [r.source]).map(copy);
    },
    insertTelemetry(w, receivedAt) {
      return insertWindow(w, receivedAt);
    },
    insertTelemetryBatch(windows, receivedAt) {
      // Nothing here can fail half way: all or nothing, as in SQLite.
      return windows.map((w) => insertWindow(w, receivedAt));
    },
    telemetryVersions(q) {
      const versions = [...telemetry.values()].filter((w) => inQuery(w, q)).map((w) => w.version);
      return [...new Set(versions)].sort((a, b) => a - b);
    },
    telemetryWindows(q) {
      const list = [...telemetry.values()].filter((w) => inQuery(w, q));
      return sorted(list, (w) => [w.device, w.seq]).map(copy);
    },
    deviceGateway(device) {
      return deviceGateways.get(device);
    },
    bindDeviceGateway(device, gateway) {
      const bound = deviceGateways.get(device) ?? gateway;
      deviceGateways.set(device, bound);
      return bound;
    },
    rebindDeviceGateway(device, gateway) {
      deviceGateways.set(device, gateway);
    },
    countGatewayDevices(gateway) {
      return [...deviceGateways.values()].filter((g) => g === gateway).length;
    },
    releaseGatewayDevices(gateway) {
      let n = 0;
      for (const [device, g] of deviceGateways)
        if (g === gateway) {
          deviceGateways.delete(device);
          n++;
        }
      return n;
    },
    countTelemetry() {
      return telemetry.size;
    },
    addLabel(l) {
      labels.set(`${l.device}\u0000${l.predictionId}`, copy(l));
    },
    labels(device) {
      const list = [...labels.values()].filter((l) => device === undefined || l.device === device);
      return sorted(list, (l) =>
        device === undefined ? [l.device, l.at, l.predictionId] : [l.at, l.predictionId],
      ).map(copy);
    },
    addDeadLetter(d) {
      const id = nextDeadId++;
      const { prefix, payloadBytes, payloadSha256 } = deadLetterPayload(d.payload, bounds.prefixBytes);
      dead.push({
        id,
        topic: d.topic,
        payload: prefix,
        payloadBytes,
        payloadSha256,
        code: d.code,
        reason: d.reason,
        receivedAt: d.receivedAt,
      });
      if (dead.length > bounds.maxRows) deadDropped += dead.splice(0, dead.length - bounds.maxRows).length;
      return id;
    },
    deadLetters() {
      return dead.map((d) => ({ ...d, payload: Buffer.from(d.payload) }));
    },
    countDeadLetters() {
      return dead.length;
    },
    countDeadLettersDropped() {
      return deadDropped;
    },
    close() {},
  };
}
