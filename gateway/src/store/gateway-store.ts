import type { DesiredState, ReportedState } from '@outpost/protocol';

/**
 * What a gateway keeps across restarts (DESIGN.md §2 "gateway: artifact cache, store-and-forward
 * queue"). Synchronous on purpose: it is a local file (SQLite) or memory, and a synchronous
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

export interface DeadLetter {
  topic: string;
  payload: Buffer;
  code: string;
  reason: string;
  at: number;
}

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
  /** Oldest first; entries with id > afterId, at most `limit`. */
  peekOutbox(limit?: number, afterId?: number): OutboxEntry[];
  /** Removes an entry once upstream acknowledged it; unknown ids are ignored. */
  ack(id: number): void;
  outboxDepth(): number;

  addDeadLetter(letter: DeadLetter): void;
  /** Newest first. */
  listDeadLetters(limit?: number): DeadLetter[];
  deadLetterCount(): number;

  close(): void;
}
