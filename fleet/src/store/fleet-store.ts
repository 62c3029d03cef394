import type {
  DeadLetterBounds,
  DesiredState,
  LabelMessage,
  Manifest,
  ReportedState,
  TelemetryWindow,
} from '@outpost/protocol';

/**
 * The fleet's store (the contract, apart from its implementations; docs/ARCHITECTURE.md "Tiers and packages").
 * Implementations: `openSqliteStore` (better-sqlite3, the default) and `createMemoryStore`
 * (tests, throwaway runs). Both pass fleet/test/store-contract.ts.
 *
 * Calls are synchronous: the default store is an embedded SQLite file and every call is a short
 * transaction. A networked store (PostgreSQL, say) would wrap this in a queue.
 */
export interface ArtifactRecord {
  artifactId: string;
  name: string;
  version: number;
  manifest: Manifest;
  /** Folder holding manifest.json and the listed files. */
  dir: string;
  registeredAt: string;
  /** Set by `outpost withdraw`: the version can no longer be assigned (docs/OPERATIONS.md). */
  withdrawnAt?: string;
}

/** One operator action kept in the audit log (docs/OPERATIONS.md "Audit"). */
export interface AuditInput {
  at: string;
  /** Who did it (the operator's user name, or the component). */
  actor: string;
  /** What kind of action: assign, unassign, rollback, withdraw, … */
  action: string;
  model?: string;
  version?: number;
  /** Where: a gateway id, a device list, or `fleet`. */
  target: string;
  reason?: string;
  /** Anything else worth keeping (the desired revisions written, the devices reported, …). */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditInput {
  id: number;
}

export interface AuditQuery {
  since?: string;
  until?: string;
  model?: string;
  action?: string;
}

export interface TelemetryQuery {
  model: string;
  version?: number;
  device?: string;
  /** Windows ending at or after this time (ISO). */
  since?: string;
  /** Windows starting at or before this time (ISO). */
  until?: string;
}

export interface DeadLetterInput {
  topic: string;
  payload: Uint8Array;
  code: string;
  reason: string;
  receivedAt: string;
}

export interface DeadLetter extends DeadLetterInput {
  id: number;
  /** The first `prefixBytes` of the payload (the whole payload when it is shorter). */
  payload: Buffer;
  /** Size of the whole payload as received. */
  payloadBytes: number;
  /** sha256 of the whole payload as received. */
  payloadSha256: string;
}

/** Options of both fleet stores. */
export interface FleetStoreOptions {
  /** Bounds of the dead-letter table (docs/SECURITY.md "Bounds"). */
  deadLetters?: DeadLetterBounds;
}

export interface FleetStore {
  /**
   * Stores a registered artifact. Idempotent for the same artifact id; throws
   * OUTPOST_ERR_VERSION_EXISTS when (name, version) is taken by another artifact id.
   */
  putArtifact(record: ArtifactRecord): void;
  getArtifact(artifactId: string): ArtifactRecord | undefined;
  findArtifact(name: string, version: number): ArtifactRecord | undefined;
  /** Highest registered version of a model, or undefined. */
  latestVersion(name: string): number | undefined;
  /** Every artifact (or every version of one model), by name then version. */
  listArtifacts(name?: string): ArtifactRecord[];

  /** Replaces the desired state of `state.target` (a gateway id). */
  putDesired(state: DesiredState): void;
  getDesired(gatewayId: string): DesiredState | undefined;
  listDesired(): DesiredState[];

  /** Replaces the last report of `state.source`; `receivedAt` (fleet clock) feeds `lastSeen`. */
  putReported(state: ReportedState, receivedAt?: string): void;
  listReported(): ReportedState[];
  /**
   * When the fleet last heard from each gateway and device (fleet clock, ISO): its last report
   * or, for a device, its last telemetry window, whichever is later. Offline detection reads it.
   */
  lastSeen(): Map<string, string>;

  /** Marks a registered version withdrawn (idempotent: the first time is kept). */
  withdrawArtifact(name: string, version: number, at: string): void;

  /** Appends to the audit log; returns the entry's id. */
  addAudit(entry: AuditInput): number;
  /** The audit log, oldest first. */
  audit(query?: AuditQuery): AuditEntry[];

  /** Stores a window once per (device, seq); true if it was new (docs/ARCHITECTURE.md "Telemetry"). */
  insertTelemetry(window: TelemetryWindow, receivedAt: string): boolean;
  /**
   * Stores several windows in ONE transaction (docs/ARCHITECTURE.md "Telemetry": batched ingestion),
   * each once per (device, seq): for each, true if it was new (false for one already held or
   * earlier in the same batch). All or nothing: when it throws, none is stored.
   */
  insertTelemetryBatch(windows: readonly TelemetryWindow[], receivedAt: string): boolean[];
  /** Windows of a model (optionally one version, one device), by device then seq. */
  telemetryWindows(query: TelemetryQuery): TelemetryWindow[];
  countTelemetry(): number;
  /** The versions of a model devices sent windows for (in the query's time range), ascending. */
  telemetryVersions(query: Omit<TelemetryQuery, 'version'>): number[];

  /**
   * The gateway a device belongs to (docs/ARCHITECTURE.md "Telemetry": a device's messages are
   * accepted only through it), or undefined before the device was first seen.
   */
  deviceGateway(deviceId: string): string | undefined;
  /**
   * Binds a device to a gateway unless it is bound already (first sight); returns the gateway it is
   * bound to after the call.
   */
  bindDeviceGateway(deviceId: string, gatewayId: string, since: string): string;
  /** Moves a device to another gateway (an operator's decision): from now on only that one relays it. */
  rebindDeviceGateway(deviceId: string, gatewayId: string, since: string): void;
  /** How many devices are bound to a gateway. */
  countGatewayDevices(gatewayId: string): number;
  /** Forgets every device of a gateway (its revocation); returns how many were bound. */
  releaseGatewayDevices(gatewayId: string): number;

  /** Stores a label; a second label for the same (device, predictionId) replaces the first. */
  addLabel(label: LabelMessage): void;
  labels(device?: string): LabelMessage[];

  /**
   * Keeps a rejected message: a prefix of its raw bytes, their size and sha256; returns its id.
   * Beyond `maxRows` letters the oldest are dropped and counted.
   */
  addDeadLetter(letter: DeadLetterInput): number;
  /** Dead letters, oldest first. */
  deadLetters(): DeadLetter[];
  countDeadLetters(): number;
  /** Dead letters dropped to keep the table within its bound, since the store was created. */
  countDeadLettersDropped(): number;

  close(): void;
}
