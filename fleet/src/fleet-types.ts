/** The fleet service's options, statistics and public face (`startFleet` in fleet.ts builds one). */
import type { Clock, DeadLetterBounds, DesiredState, Logger, ReportedState } from '@outpost/protocol';
import type { ArtifactFlowOptions, ReplyLimiterStats, ServiceCredential } from '@outpost/protocol/node';
import type { IntentOptions, RollbackOptions, RollbackResult } from './desired-state.ts';
import type { WithdrawResult } from './intent/withdraw.ts';
import type { DriftReport, DriftThresholds } from './drift/drift-report.ts';
import type { RegisteredArtifact } from './registry.ts';
import type { MoveResult } from './intent/move-device.ts';
import type { FleetStore } from './store/fleet-store.ts';
import type { FleetDb } from './store/fleet-db.ts';
import type { RouteModule } from './http/api-server.ts';
import type { FleetEvent, FleetEventInput, FleetEventListener } from './http/events.ts';
import type { OperatorTokenStore } from './tokens/token-store.ts';
import type { Monitor } from './monitor/monitor.ts';
import type { MonitorSettings } from './monitor/settings.ts';
import type { Alert } from './monitor/monitor-store.ts';
import type { CampaignEngine } from './campaign/engine.ts';
import type { PauseOnAlert } from './campaign/alert-pause.ts';
import type { CampaignEvent } from './campaign/campaigns.ts';
import type { GroupStore } from './groups/group-store.ts';
import type { ReviewQueue } from './review/review-queue.ts';
import type { ReviewBounds } from './review/review-store.ts';

export interface FleetOptions {
  dataDir: string;
  /** Embedded broker port, default 1883; 0 picks a free port. Ignored with `brokerUrl`. */
  port?: number;
  /** Embedded broker host, default '127.0.0.1'. */
  host?: string;
  /** Use an external MQTT 3.1.1 broker instead of the embedded one. */
  brokerUrl?: string;
  /** The key artifacts must be signed with (PEM, SPKI ed25519). */
  publicKeyPem: string;
  logger?: Logger;
  clock?: Clock;
  clientId?: string;
  /** Drift thresholds (docs/ARCHITECTURE.md "Drift"). */
  driftThresholds?: Partial<DriftThresholds>;
  /** Bounds of the dead-letter table (default: 10,000 letters, 4 KiB of each payload). */
  deadLetters?: DeadLetterBounds;
  /** Largest MQTT packet the embedded broker accepts (default 1 MiB, docs/SECURITY.md "Bounds"). */
  maxPacketBytes?: number;
  /** TLS for the embedded broker (`mqtts://`) and the enrol endpoint (https): PEM key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** With `mqtts://` (external, or the embedded one with `tls`): the CA (PEM) that signed the broker's certificate. */
  brokerCa?: string | Buffer;
  /**
   * The fleet's own broker credential. Default: `<dataDir>/service-credentials.json` (0600),
   * created at the first start; an external broker's password file holds its hash
   * (`outpost acl mosquitto`).
   */
  serviceCredential?: ServiceCredential;
  /** Port of the enrol endpoint (docs/SECURITY.md "Identity"); absent, it is not served. 0 picks a free port. */
  enrollPort?: number;
  /** The intent public key (PEM) handed to gateways in enrol replies; default the fleet's own intent key. */
  fleetKeyPem?: string;
  /**
   * Port of the operator API and dashboard (docs/OPERATIONS.md "Dashboard and API"); absent, they
   * are not served. 0 picks a free port. Host: `host`.
   */
  apiPort?: number;
  /** Serve the dashboard with the API (default true). */
  dashboard?: boolean;
  /** Route modules of other parts, added to the operator API (docs/ARCHITECTURE.md "Operator API"). */
  apiRoutes?: readonly RouteModule[];
  /** Operator tokens; default the `operator_tokens` table of fleet.db. */
  tokens?: OperatorTokenStore;
  /** Server-sent events: heartbeat interval and per-client queue bound (defaults 15 s, 1,000 events). */
  apiEvents?: { heartbeatMs?: number; maxQueue?: number };
  /** How often presence (online/offline by silence) is checked for `presence` events (default 30 s). */
  presenceIntervalMs?: number;
  /** Monitoring settings (docs/MONITORING.md "Settings"); default `<dataDir>/monitor.json` when it exists. */
  monitor?: MonitorSettings;
  /** Bounds of the review queue (default 10,000 items; docs/MONITORING.md "Review queue"). */
  review?: ReviewBounds;
  /** How often alert rules are evaluated (default 60 s; 0: only on `fleet.monitor.evaluate()`). */
  alertEveryMs?: number;
  /** Told of every alert change (firing, acknowledged, resolved): the seam a campaign engine pauses rollouts with. */
  onAlert?: (alert: Alert) => void | Promise<void>;
  /** Which firing alerts pause a running campaign of their model (default `critical`; docs/OPERATIONS.md "Campaigns"). */
  pauseCampaignsOnAlert?: PauseOnAlert;
  /** Rollout campaigns (docs/ARCHITECTURE.md "Campaigns"). */
  campaigns?: {
    /** How often the engine looks at its campaigns (default 1 s). */
    pollMs?: number;
    /** Called for every campaign transition (the server-sent events of the operator API). */
    onEvent?: (event: CampaignEvent) => void;
    /** A device silent this long counts as offline in a wave (default 180 s). */
    offlineAfterMs?: number;
  };
  /**
   * Flow control of the artifact chunk replies served to gateways (docs/ARCHITECTURE.md "Artifact
   * transfer"): default 32 in flight, 2 per gateway, 2,000 queued, busy refusals advise 2–3 s.
   */
  artifactFlow?: ArtifactFlowOptions;
}

export interface FleetStats {
  /** Windows in the store. */
  telemetryStored: number;
  /** Redelivered windows ignored since this fleet started. */
  telemetryDuplicates: number;
  /** Dead letters in the store. */
  deadLetters: number;
  /** Dead letters dropped to keep the table within its bound (docs/SECURITY.md "Bounds"). */
  deadLettersDropped: number;
  reported: ReportedState[];
  /** Artifact bytes (chunk payloads) sent to each gateway since this fleet started. */
  artifactBytesServed: Record<string, number>;
  /**
   * Artifact chunk replies being worked on and waiting their turn now, the most of each since
   * start, and the requests refused as busy (docs/ARCHITECTURE.md "Artifact transfer").
   */
  artifactReplies: ReplyLimiterStats;
}

export interface Fleet {
  brokerUrl: string;
  /** The enrol endpoint's base URL, when `enrollPort` was given. */
  enrollUrl: string | undefined;
  /** The operator API's and dashboard's base URL, when `apiPort` was given. */
  apiUrl: string | undefined;
  store: FleetStore;
  /**
   * The open fleet.db every store of this fleet shares (closed with the fleet): what the bounded
   * readers take — device health (`sqliteHealthReader`) and the hourly rollups of drift.
   */
  db: FleetDb;
  /** Operator tokens of the API (`outpost token`). */
  tokens: OperatorTokenStore;
  /** Publishes an event to the API's event stream (campaign progress, alerts, …). */
  publish(event: FleetEventInput): FleetEvent;
  /** Every event published from now on: reported-state changes, presence, audit entries, `publish`. */
  subscribe(listener: FleetEventListener): () => void;
  /** A one-time enrolment token for a gateway (docs/SECURITY.md "Identity"). */
  createEnrollToken(gatewayId: string, ttlMs?: number): { token: string; expiresAt: number };
  /** Removes a gateway's credentials and disconnects it. */
  revokeGateway(gatewayId: string): void;
  registerArtifact(dir: string): Promise<RegisteredArtifact>;
  /** The fleet's intent public key (PEM): gateways and devices verify desired states with it. */
  intentPublicKeyPem: string;
  /** Assigns a version site-wide or to `devices` (docs/ARCHITECTURE.md "Deploy: desired → reported"). */
  assign(
    gatewayId: string,
    model: string,
    version: number,
    devices?: string[],
    opts?: IntentOptions,
  ): Promise<DesiredState>;
  unassign(gatewayId: string, devices?: string[], opts?: IntentOptions): Promise<DesiredState>;
  rollback(model: string, opts?: RollbackOptions): Promise<RollbackResult>;
  withdraw(model: string, version: number, opts?: IntentOptions): WithdrawResult;
  /** Moves a device to another gateway: only that one may relay it from now on (audited). */
  moveDevice(deviceId: string, gatewayId: string, opts?: IntentOptions): MoveResult;
  drift(model: string, opts?: { version?: number; device?: string; since?: string; until?: string }): DriftReport;
  /** Drift over time, data quality, performance, labels and alerts (docs/MONITORING.md). */
  monitor: Monitor;
  /** Low-confidence predictions forwarded by devices, labelled by reviewers (docs/MONITORING.md "Review queue"). */
  review: ReviewQueue;
  /** Rollout campaigns: create, status, pause (also the hook for monitoring alerts), resume, abort (docs/ARCHITECTURE.md "Campaigns"). */
  campaigns: CampaignEngine;
  /** Groups of devices and version pins (docs/OPERATIONS.md "Groups and pinning"). */
  groups: GroupStore;
  stats(): FleetStats;
  close(): Promise<void>;
}
