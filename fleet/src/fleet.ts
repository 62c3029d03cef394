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
import { loadOrCreateServiceCredential } from './identity/service-credential.ts';
import type { FleetStore } from './store/fleet-store.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
import { createCampaignEngine, type CampaignEngine } from './campaign/engine.ts';
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
  store: FleetStore;
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
  drift(model: string, opts?: { version?: number; device?: string }): DriftReport;
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
    const store = openSqliteStore(
      join(opts.dataDir, FLEET_DB_FILE),
      opts.deadLetters ? { deadLetters: opts.deadLetters } : {},
    );
    closers.push(() => store.close());

    const clientId = opts.clientId ?? DEFAULT_FLEET_CLIENT_ID;
    const identity = createFleetIdentity({
      dataDir: opts.dataDir,
      serviceUsername: clientId,
      service: opts.serviceCredential ?? loadOrCreateServiceCredential(opts.dataDir, clientId),
      // Enrolled gateways learn the key desired states are signed with (docs/SECURITY.md "Signed intent").
      fleetKeyPem: () => opts.fleetKeyPem ?? intentKeys.publicKeyPem,
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
      ...(opts.campaigns?.onEvent ? { onEvent: opts.campaigns.onEvent } : {}),
      ...(opts.campaigns?.pollMs !== undefined ? { pollMs: opts.campaigns.pollMs } : {}),
      ...(opts.campaigns?.offlineAfterMs !== undefined ? { offlineAfterMs: opts.campaigns.offlineAfterMs } : {}),
    });
    // A restarted fleet continues its campaigns from the store at the first pass.
    campaigns.start();
    closers.push(() => campaigns.stop());
    logger.info({ brokerUrl, dataDir: opts.dataDir }, 'fleet started');

    let closed = false;
    return {
      brokerUrl,
      enrollUrl,
      store,
      createEnrollToken: (gatewayId, ttlMs) => identity.createEnrollToken(gatewayId, ttlMs),
      revokeGateway(gatewayId) {
        identity.revoke(gatewayId);
        identity.bindings.releaseGateway(gatewayId);
      },
      registerArtifact: async (dir) =>
        registerArtifact({ store, dataDir: opts.dataDir, publicKeyPem: opts.publicKeyPem, clock }, dir),
      intentPublicKeyPem: intentKeys.publicKeyPem,
      assign: async (gatewayId, model, version, devices, o) =>
        (await assign(intent, gatewayId, model, version, devices, o)).state,
      unassign: async (gatewayId, devices, o) => (await unassign(intent, gatewayId, devices, o)).state,
      rollback: (model, o) => rollback(intent, model, o),
      withdraw: (model, version, o) => withdraw(intent, model, version, o),
      drift: (model, o = {}) =>
        modelDrift(store, model, { ...o, ...(opts.driftThresholds ? { thresholds: opts.driftThresholds } : {}) }),
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
  } catch (err) {
    await closeAll();
    throw err;
  }
}
