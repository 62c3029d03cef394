import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createReceiptBatcher,
  errorMessage,
  keyId,
  topics,
  silentLogger,
  systemClock,
  type Clock,
  type DeadLetterBounds,
  type DesiredState,
  type Logger,
  type ReportedState,
  type Transport,
} from '@outpost/protocol';
import { createMqttTransport, serveArtifacts, type ServiceCredential } from '@outpost/protocol/node';
import { startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';
import {
  assign,
  publishDesired,
  resignStored,
  rollback,
  unassign,
  withdraw,
  type IntentOptions,
  type RollbackOptions,
  type RollbackResult,
  type WithdrawResult,
} from './desired-state.ts';
import { loadIntentKey } from './intent/intent-key.ts';
import { modelDrift, type DriftReport, type DriftThresholds } from './drift/drift-report.ts';
import { deadLetter, routeIngestion } from './ingest/dispatcher.ts';
import { newCounters, type IngestContext } from './ingest/handler.ts';
import { createArtifactReader, gatewayArtifactPolicy, registerArtifact, type RegisteredArtifact } from './registry.ts';
import { startEnrollServer } from '@outpost/protocol/enroll-server';
import { createFleetIdentity } from './identity/fleet-identity.ts';
import { mayRelay } from './identity/relay-bindings.ts';
import { moveDevice, type MoveResult } from './intent/move-device.ts';
import { loadOrCreateServiceCredential } from './identity/service-credential.ts';
import type { FleetStore } from './store/fleet-store.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
import { startApiServer, type RouteModule } from './http/api-server.ts';
import { createEventHub, type FleetEvent, type FleetEventInput, type FleetEventListener } from './http/events.ts';
import { observedStore, presenceSweeper } from './http/store-events.ts';
import { DEFAULT_OFFLINE_AFTER_MS } from './intent/outcome.ts';
import { openSqliteTokenStore } from './tokens/sqlite-token-store.ts';
import type { OperatorTokenStore } from './tokens/token-store.ts';
import { createMonitor, type Monitor } from './monitor/monitor.ts';
import { loadMonitorSettings, type MonitorSettings } from './monitor/settings.ts';
import type { Alert } from './monitor/monitor-store.ts';
import { openSqliteMonitorStore } from './monitor/sqlite-monitor-store.ts';
import { createCampaignEngine, type CampaignEngine } from './campaign/engine.ts';
import { pauseCampaignsOnAlert, type PauseOnAlert } from './campaign/alert-pause.ts';
import type { CampaignEvent } from './campaign/campaigns.ts';
import { openSqliteCampaignStore } from './campaign/sqlite-campaign-store.ts';
import type { GroupStore } from './groups/group-store.ts';
import { openSqliteGroupStore } from './groups/sqlite-group-store.ts';

export const FLEET_DB_FILE = 'fleet.db';
export const DEFAULT_FLEET_CLIENT_ID = 'outpost-fleet';

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
}

export interface Fleet {
  brokerUrl: string;
  /** The enrol endpoint's base URL, when `enrollPort` was given. */
  enrollUrl: string | undefined;
  /** The operator API's and dashboard's base URL, when `apiPort` was given. */
  apiUrl: string | undefined;
  store: FleetStore;
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
  /** Rollout campaigns: create, status, pause (also the hook for monitoring alerts), resume, abort (docs/ARCHITECTURE.md "Campaigns"). */
  campaigns: CampaignEngine;
  /** Groups of devices and version pins (docs/OPERATIONS.md "Groups and pinning"). */
  groups: GroupStore;
  stats(): FleetStats;
  close(): Promise<void>;
}

/**
 * Starts the fleet service (docs/ARCHITECTURE.md "Tiers and packages"): the embedded broker (unless `brokerUrl`), the store,
 * the fleet's own transport (persistent session), ingestion, and the artifact server for gateways.
 * Stored desired states are republished retained on start, so a broker that lost them converges.
 */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const logger = (opts.logger ?? silentLogger).child({ component: 'fleet' });
  const clock = opts.clock ?? systemClock;
  keyId(opts.publicKeyPem); // OUTPOST_ERR_KEY_INVALID now rather than at the first registration
  mkdirSync(opts.dataDir, { recursive: true });
  const intentKeys = loadIntentKey(opts.dataDir);
  const intentKeyId = keyId(intentKeys.publicKeyPem);

  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    while (closers.length > 0) {
      const close = closers.pop() as () => Promise<void> | void;
      try {
        await close();
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, 'error while closing');
      }
    }
  };

  try {
    const rawStore = openSqliteStore(
      join(opts.dataDir, FLEET_DB_FILE),
      opts.deadLetters ? { deadLetters: opts.deadLetters } : {},
    );
    closers.push(() => rawStore.close());
    // Reported-state changes and audit entries become events (docs/ARCHITECTURE.md "Operator API").
    const hub = createEventHub(clock, (err) => logger.warn({ err: errorMessage(err) }, 'event listener failed'));
    const store = observedStore(rawStore, hub);
    const tokens = opts.tokens ?? openSqliteTokenStore(join(opts.dataDir, FLEET_DB_FILE));
    closers.push(() => tokens.close());
    const presence = presenceSweeper(store, hub, DEFAULT_OFFLINE_AFTER_MS);
    const presenceTimer = clock.setInterval(() => presence.sweep(clock.now()), opts.presenceIntervalMs ?? 30_000);
    closers.push(() => clock.clearInterval(presenceTimer));

    const clientId = opts.clientId ?? DEFAULT_FLEET_CLIENT_ID;
    const identity = createFleetIdentity({
      dataDir: opts.dataDir,
      serviceUsername: clientId,
      service: opts.serviceCredential ?? loadOrCreateServiceCredential(opts.dataDir, clientId),
      // Enrolled gateways learn the key desired states are signed with (docs/SECURITY.md "Signed intent").
      fleetKeyPem: () => opts.fleetKeyPem ?? intentKeys.publicKeyPem,
      mayRelay: (gatewayId, deviceId) => mayRelay(store, gatewayId, deviceId, new Date(clock.now()).toISOString()),
      clock,
      logger,
    });
    closers.push(() => identity.close());

    let brokerUrl = opts.brokerUrl;
    if (brokerUrl === undefined) {
      const broker: EmbeddedBroker = await startEmbeddedBroker({
        port: opts.port ?? 1883,
        host: opts.host ?? '127.0.0.1',
        auth: identity.auth,
        logger,
        ...(opts.maxPacketBytes !== undefined ? { maxPacketBytes: opts.maxPacketBytes } : {}),
        ...(opts.tls ? { tls: opts.tls } : {}),
      });
      closers.push(() => broker.close());
      identity.attach(broker);
      brokerUrl = broker.url;
    }
    let enrollUrl: string | undefined;
    if (opts.enrollPort !== undefined) {
      const server = await startEnrollServer({
        identity,
        host: opts.host ?? '127.0.0.1',
        port: opts.enrollPort,
        logger,
        ...(opts.tls ? { tls: opts.tls } : {}),
      });
      closers.push(() => server.close());
      enrollUrl = server.url;
    }

    const transport: Transport = createMqttTransport({
      url: brokerUrl,
      clientId,
      clean: false,
      username: identity.service.username,
      password: identity.service.password,
      logger,
      ...(opts.brokerCa !== undefined ? { ca: opts.brokerCa } : {}),
    });
    const monitorStore = openSqliteMonitorStore(join(opts.dataDir, FLEET_DB_FILE));
    closers.push(() => monitorStore.close());
    const late: { campaigns?: CampaignEngine } = {}; // set below: alerts pause campaigns of their model
    const monitor = createMonitor({
      store,
      monitorStore,
      settings: opts.monitor ?? loadMonitorSettings(opts.dataDir),
      clock,
      logger,
      transport,
      onAlert: async (alert) => {
        if (late.campaigns) {
          const paused = pauseCampaignsOnAlert(late.campaigns, alert, opts.pauseCampaignsOnAlert ?? 'critical');
          if (paused.length > 0) logger.warn({ alert: alert.id, campaigns: paused }, 'campaigns paused by an alert');
        }
        await opts.onAlert?.(alert);
      },
    });
    closers.push(() => monitor.stop());
    const counters = newCounters();
    const served: Record<string, number> = {};
    // Receipts tell each gateway what is durably stored, so it may delete it from its outbox.
    const receipts = createReceiptBatcher({ from: 'fleet', transport, clock, logger });
    closers.push(() => receipts.stop());
    const ctx: IngestContext = {
      store,
      clock,
      logger: logger.child({ part: 'ingest' }),
      counters,
      receipt: (gatewayId, item) => receipts.add(topics.gateway(gatewayId, 'acks'), item),
      labelSink: (label) => {
        monitor.recordLabel(label);
      },
    };
    await routeIngestion(transport, ctx);
    await serveArtifacts({
      transport,
      kind: 'gateways',
      read: createArtifactReader(store, opts.dataDir),
      mayFetch: gatewayArtifactPolicy(store),
      logger,
      onInvalid: (topic, payload, error) => deadLetter(ctx, topic, payload, error),
      onServed: (gatewayId, _artifactId, bytes) => {
        served[gatewayId] = (served[gatewayId] ?? 0) + bytes;
      },
    });
    closers.push(() => transport.close());
    await transport.start();
    const intent = { store, clock, intentKeys, transport };
    for (const state of resignStored(intent, (s) => s.signature?.keyId === intentKeyId)) {
      await publishDesired(transport, state);
    }
    if ((opts.alertEveryMs ?? 60_000) > 0) monitor.start(opts.alertEveryMs ?? 60_000);
    const groups = openSqliteGroupStore(join(opts.dataDir, FLEET_DB_FILE));
    closers.push(() => groups.close());
    const campaignStore = openSqliteCampaignStore(join(opts.dataDir, FLEET_DB_FILE));
    closers.push(() => campaignStore.close());
    const campaigns = createCampaignEngine({
      campaigns: campaignStore,
      groups,
      store,
      clock,
      intent,
      logger,
      onEvent: (event) => {
        hub.publish({ type: `campaign.${event.action}`, data: { ...event } });
        opts.campaigns?.onEvent?.(event);
      },
      ...(opts.campaigns?.pollMs !== undefined ? { pollMs: opts.campaigns.pollMs } : {}),
      ...(opts.campaigns?.offlineAfterMs !== undefined ? { offlineAfterMs: opts.campaigns.offlineAfterMs } : {}),
    });
    late.campaigns = campaigns;
    // A restarted fleet continues its campaigns from the store at the first pass.
    campaigns.start();
    closers.push(() => campaigns.stop());

    let closed = false;
    const fleet: Fleet = {
      brokerUrl,
      enrollUrl,
      apiUrl: undefined,
      store,
      tokens,
      publish: (event) => hub.publish(event),
      subscribe: (listener) => hub.subscribe(listener),
      createEnrollToken: (gatewayId, ttlMs) => identity.createEnrollToken(gatewayId, ttlMs),
      revokeGateway(gatewayId) {
        identity.revoke(gatewayId);
        store.releaseGatewayDevices(gatewayId);
      },
      registerArtifact: async (dir) =>
        registerArtifact({ store, dataDir: opts.dataDir, publicKeyPem: opts.publicKeyPem, clock }, dir),
      intentPublicKeyPem: intentKeys.publicKeyPem,
      assign: async (gatewayId, model, version, devices, o) =>
        (await assign(intent, gatewayId, model, version, devices, o)).state,
      unassign: async (gatewayId, devices, o) => (await unassign(intent, gatewayId, devices, o)).state,
      rollback: (model, o) => rollback(intent, model, o),
      withdraw: (model, version, o) => withdraw(intent, model, version, o),
      moveDevice: (deviceId, gatewayId, o) => moveDevice({ store, clock }, deviceId, gatewayId, o),
      drift: (model, o = {}) =>
        modelDrift(store, model, { ...o, ...(opts.driftThresholds ? { thresholds: opts.driftThresholds } : {}) }),
      monitor,
      campaigns,
      groups,
      stats: () => ({
        telemetryStored: store.countTelemetry(),
        telemetryDuplicates: counters.telemetryDuplicates,
        deadLetters: store.countDeadLetters(),
        deadLettersDropped: store.countDeadLettersDropped(),
        reported: store.listReported(),
        artifactBytesServed: { ...served },
      }),
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
        logger.info({}, 'fleet stopped');
      },
    };
    if (opts.apiPort !== undefined) {
      const api = await startApiServer({
        fleet,
        tokens,
        host: opts.host ?? '127.0.0.1',
        port: opts.apiPort,
        clock,
        logger,
        ...(opts.dashboard !== undefined ? { dashboard: opts.dashboard } : {}),
        ...(opts.apiRoutes ? { routes: opts.apiRoutes } : {}),
        ...(opts.apiEvents ? { events: opts.apiEvents } : {}),
      });
      closers.push(() => api.close());
      fleet.apiUrl = api.url;
    }
    logger.info(
      { brokerUrl, dataDir: opts.dataDir, ...(fleet.apiUrl ? { apiUrl: fleet.apiUrl } : {}) },
      'fleet started',
    );
    return fleet;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
