import type { DeadLetterBounds, DesiredState, ReportedState } from '@outpost/protocol';

/**
 * What a gateway keeps across restarts: artifact cache, store-and-forward queue (docs/ARCHITECTURE.md
 * "State kept by each tier"). Synchronous on purpose: it is a local file (SQLite) or memory, and a synchronous
 * enqueue-then-publish keeps the outbox order equal to the order messages arrived in.
 */
export interface CachedArtifact {
  artifactId: string;
  name: string;
  version: number;
  /** ms since the epoch (the injected clock). */
  fetchedAt: number;
}

export interface KnownDevice {
  id: string;
  lastSeen: number;
  /** The device's last reported state, as it sent it (validated before it is stored). */
  reported: ReportedState | null;
}

export interface OutboxEntry {
  id: number;
  topic: string;
  payload: Buffer;
  retain: boolean;
  enqueuedAt: number;
}

/** A device's telemetry window for `enqueueBatch`, deduplicated by (device, seq). */
export interface TelemetryWrite {
  kind: 'telemetry';
  device: string;
  seq: number;
  topic: string;
  payload: Buffer;
  enqueuedAt: number;
}

/**
 * One device message for `enqueueBatch`: a telemetry window (deduplicated by (device, seq)), a
 * label or review item (deduplicated by key), or a plain entry (as `enqueue`: a device's report).
 */
export type OutboxWrite =
  | TelemetryWrite
  | { kind: 'once'; key: string; topic: string; payload: Buffer; enqueuedAt: number }
  | { kind: 'plain'; topic: string; payload: Buffer; retain: boolean; enqueuedAt: number };

export interface DeadLetter {
  topic: string;
  payload: Buffer;
  code: string;
  reason: string;
  at: number;
}

/** A dead letter as stored: its payload cut to the bound, with the whole payload's size and sha256. */
export interface StoredDeadLetter extends DeadLetter {
  /** The first `prefixBytes` of the payload (the whole payload when it is shorter). */
  payload: Buffer;
  payloadBytes: number;
  payloadSha256: string;
}

/** Options of both gateway stores. */
export interface GatewayStoreOptions {
  /** Bounds of the dead-letter table (docs/SECURITY.md "Bounds"). */
  deadLetters?: DeadLetterBounds;
}

/**
 * Seqs a gateway remembers per device above the device's contiguous floor (every seq from 1 up to
 * the floor was seen; devices number windows from 1). Seqs normally arrive in order and the set stays empty; past the bound the lowest
 * are forgotten, and a late duplicate of one is passed on (the fleet dedups it).
 */
export const MAX_SEEN_SEQS_PER_DEVICE = 4096;

/**
 * Keys of labels and review items a gateway remembers having queued (docs/ARCHITECTURE.md
 * "Telemetry"); past the bound the oldest are forgotten, and a late re-send of one is passed on
 * again (the fleet stores it idempotently by the same key).
 */
export const MAX_QUEUED_KEYS = 100_000;

export interface GatewayStore {
  putArtifact(artifact: CachedArtifact): void;
  getArtifact(artifactId: string): CachedArtifact | undefined;
  /** Ordered by fetchedAt, then id. */
  listArtifacts(): CachedArtifact[];
  deleteArtifact(artifactId: string): void;

  /** Records a device's report; returns true when the device was not known before. */
  upsertDevice(id: string, lastSeen: number, reported: ReportedState | null): boolean;
  getDevice(id: string): KnownDevice | undefined;
  /** Ordered by id. */
  listDevices(): KnownDevice[];

  /** The last desired state received from upstream (one row). */
  getDesired(): DesiredState | undefined;
  setDesired(desired: DesiredState): void;

  /** Appends to the store-and-forward queue; returns the entry's id (increasing). */
  enqueue(topic: string, payload: Buffer, retain: boolean, enqueuedAt: number): number;
  /**
   * Queues device messages in ONE transaction, in order (docs/ARCHITECTURE.md "Telemetry": the
   * relay's batched writes). A telemetry window is queued unless this gateway already holds it or
   * already passed it on (dedup by (device, seq)); a label or review item unless its key ((device,
   * predictionId)) was already queued. For each: the new outbox entry's id when queued now, false
   * for a duplicate (also one earlier in the same batch). Either way, once it returns each message is durable here and
   * its device may be receipted. All or nothing: when it throws, none is queued and none may be
   * receipted.
   */
  enqueueBatch(writes: readonly OutboxWrite[]): (number | false)[];
  /** Oldest first; entries with id > afterId, at most `limit`. */
  peekOutbox(limit?: number, afterId?: number): OutboxEntry[];
  /** Removes an entry once upstream acknowledged it; unknown ids are ignored. */
  ack(id: number): void;
  /** Removes several entries in one statement (a fleet receipt batch); unknown ids are ignored. Returns how many were removed. */
  ackMany(ids: readonly number[]): number;
  outboxDepth(): number;

  /**
   * Keeps a rejected message: a prefix of its payload, its size and sha256. Beyond `maxRows`
   * letters the oldest are dropped and counted.
   */
  addDeadLetter(letter: DeadLetter): void;
  /** Newest first. */
  listDeadLetters(limit?: number): StoredDeadLetter[];
  deadLetterCount(): number;
  /** Dead letters dropped to keep the table within its bound, since the store was created. */
  deadLettersDropped(): number;

  close(): void;
}
