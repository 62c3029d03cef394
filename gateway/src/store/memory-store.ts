import { deadLetterBounds, deadLetterPayload, type DesiredState, type ReportedState } from '@outpost/protocol';
import {
  MAX_QUEUED_KEYS,
  MAX_SEEN_SEQS_PER_DEVICE,
  type CachedArtifact,
  type GatewayStore,
  type GatewayStoreOptions,
  type KnownDevice,
  type OutboxEntry,
  type StoredDeadLetter,
  type TelemetryWrite,
} from './gateway-store.ts';

/** A GatewayStore in memory: for tests and for a gateway that may forget on restart. */
export function createMemoryStore(options: GatewayStoreOptions = {}): GatewayStore {
  const bounds = deadLetterBounds(options.deadLetters);
  let deadDropped = 0;
  const artifacts = new Map<string, CachedArtifact>();
  const devices = new Map<string, KnownDevice>();
  const outbox = new Map<number, OutboxEntry>();
  const deadLetters: StoredDeadLetter[] = [];
  let desired: string | undefined;
  let nextId = 1;
  /** Telemetry seqs seen per device: a contiguous floor and the seqs seen above it. */
  const seen = new Map<string, { floor: number; above: Set<number> }>();
  /** Idempotency keys of labels and review items queued; a Set iterates oldest first. */
  const queuedKeys = new Set<string>();
  // Copies in and out, so callers cannot change what is stored (as with SQLite).
  const clone = <T>(v: T): T => structuredClone(v);

  const push = (topic: string, payload: Buffer, retain: boolean, enqueuedAt: number): number => {
    const id = nextId++;
    outbox.set(id, { id, topic, payload: Buffer.from(payload), retain, enqueuedAt });
    return id;
  };
  function queueTelemetry({ device, seq, topic, payload, enqueuedAt }: TelemetryWrite): number | false {
    let s = seen.get(device);
    if (!s) seen.set(device, (s = { floor: 0, above: new Set() }));
    if ((seq >= 1 && seq <= s.floor) || s.above.has(seq)) return false;
    const id = push(topic, payload, false, enqueuedAt);
    if (seq === s.floor + 1) {
      s.floor = seq;
      while (s.above.delete(s.floor + 1)) s.floor++;
    } else {
      s.above.add(seq);
      if (s.above.size > MAX_SEEN_SEQS_PER_DEVICE) {
        const lowest = [...s.above].sort((a, b) => a - b).slice(0, s.above.size - MAX_SEEN_SEQS_PER_DEVICE);
        for (const x of lowest) s.above.delete(x);
      }
    }
    return id;
  }
  function queueOnce(key: string, topic: string, payload: Buffer, enqueuedAt: number): number | false {
    if (queuedKeys.has(key)) return false;
    queuedKeys.add(key);
    for (const k of queuedKeys) {
      if (queuedKeys.size <= MAX_QUEUED_KEYS) break;
      queuedKeys.delete(k);
    }
    return push(topic, payload, false, enqueuedAt);
  }

  return {
    putArtifact(a) {
      artifacts.set(a.artifactId, { ...a });
    },
    getArtifact(id) {
      const a = artifacts.get(id);
      return a ? { ...a } : undefined;
    },
    listArtifacts() {
      return [...artifacts.values()]
        .sort((x, y) => x.fetchedAt - y.fetchedAt || x.artifactId.localeCompare(y.artifactId))
        .map((a) => ({ ...a }));
    },
    deleteArtifact(id) {
      artifacts.delete(id);
    },
    upsertDevice(id: string, lastSeen: number, reported: ReportedState | null) {
      const known = devices.has(id);
      devices.set(id, { id, lastSeen, reported: clone(reported) });
      return !known;
    },
    getDevice(id) {
      const d = devices.get(id);
      return d ? clone(d) : undefined;
    },
    listDevices() {
      return [...devices.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(clone);
    },
    getDesired() {
      return desired === undefined ? undefined : (JSON.parse(desired) as DesiredState);
    },
    setDesired(d) {
      desired = JSON.stringify(d);
    },
    enqueue(topic, payload, retain, enqueuedAt) {
      return push(topic, payload, retain, enqueuedAt);
    },
    enqueueBatch(writes) {
      // Nothing here can fail half way: the batch is all or nothing as in SQLite.
      return writes.map((w) => {
        if (w.kind === 'telemetry') return queueTelemetry(w);
        if (w.kind === 'once') return queueOnce(w.key, w.topic, w.payload, w.enqueuedAt);
        return push(w.topic, w.payload, w.retain, w.enqueuedAt);
      });
    },
    peekOutbox(limit = Number.MAX_SAFE_INTEGER, afterId = 0) {
      const out: OutboxEntry[] = [];
      for (const e of outbox.values()) {
        // Map iteration follows insertion order, which is id order.
        if (e.id <= afterId) continue;
        out.push({ ...e, payload: Buffer.from(e.payload) });
        if (out.length >= limit) break;
      }
      return out;
    },
    ack(id) {
      outbox.delete(id);
    },
    ackMany(ids) {
      let n = 0;
      for (const id of ids) if (outbox.delete(id)) n++;
      return n;
    },
    outboxDepth() {
      return outbox.size;
    },
    addDeadLetter(l) {
      const { prefix, payloadBytes, payloadSha256 } = deadLetterPayload(l.payload, bounds.prefixBytes);
      deadLetters.push({ ...l, payload: prefix, payloadBytes, payloadSha256 });
      if (deadLetters.length > bounds.maxRows)
        deadDropped += deadLetters.splice(0, deadLetters.length - bounds.maxRows).length;
    },
    listDeadLetters(limit = Number.MAX_SAFE_INTEGER) {
      return deadLetters
        .slice()
        .reverse()
        .slice(0, limit)
        .map((l) => ({ ...l, payload: Buffer.from(l.payload) }));
    },
    deadLetterCount() {
      return deadLetters.length;
    },
    deadLettersDropped() {
      return deadDropped;
    },
    close() {},
  };
}
