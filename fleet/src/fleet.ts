import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createReceiptBatcher,
  errorMessage,
  keyId,
  topics,
  silentLogger,
  systemClock,
  type Transport,
} from '@outpost/protocol';
import { createMqttTransport, serveArtifacts } from '@outpost/protocol/node';
import { createBrokerTransport, startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';
import { assign, publishDesired, resignStored, rollback, unassign } from './desired-state.ts';
import { withdraw } from './intent/withdraw.ts';
import { loadIntentKey } from './intent/intent-key.ts';
import { modelDrift } from './drift/drift-report.ts';
import { deadLetter, routeIngestion } from './ingest/dispatcher.ts';
import { newCounters, type IngestContext } from './ingest/handler.ts';
import { createArtifactReader, gatewayArtifactPolicy, registerArtifact } from './registry.ts';
import { startEnrollServer } from '@outpost/protocol/enroll-server';
import { createFleetIdentity } from './identity/fleet-identity.ts';
import { mayRelay } from './identity/relay-bindings.ts';
import { moveDevice } from './intent/move-device.ts';
import { loadOrCreateServiceCredential } from './identity/service-credential.ts';
import { openFleetDb } from './store/fleet-db.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
import { startApiServer } from './http/api-server.ts';
import { createEventHub } from './http/events.ts';
import { observedStore, presenceSweeper } from './http/store-events.ts';
import { DEFAULT_OFFLINE_AFTER_MS } from './intent/outcome.ts';
import { openSqliteTokenStore } from './tokens/sqlite-token-store.ts';
import { createMonitor } from './monitor/monitor.ts';
import { loadMonitorSettings } from './monitor/settings.ts';
import { openSqliteMonitorStore } from './monitor/sqlite-monitor-store.ts';
import { createReviewQueue } from './review/review-queue.ts';
import { openSqliteReviewStore } from './review/sqlite-review-store.ts';
import { createCampaignEngine, type CampaignEngine } from './campaign/engine.ts';
import { pauseCampaignsOnAlert } from './campaign/alert-pause.ts';
import { openSqliteCampaignStore } from './campaign/sqlite-campaign-store.ts';
import { openSqliteGroupStore } from './groups/sqlite-group-store.ts';
import type { Fleet, FleetOptions } from './fleet-types.ts';

export type { Fleet, FleetOptions, FleetStats } from './fleet-types.ts';

export const FLEET_DB_FILE = 'fleet.db';
export const DEFAULT_FLEET_CLIENT_ID = 'outpost-fleet';

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
    // One connection to fleet.db for every store: one writer in this process, and a change that
    // spans two stores can be one transaction (docs/ARCHITECTURE.md "State kept by each tier").
    const db = openFleetDb(join(opts.dataDir, FLEET_DB_FILE));
    closers.push(() => {
      db.close();
    });
    const rawStore = openSqliteStore(db, opts.deadLetters ? { deadLetters: opts.deadLetters } : {});
    closers.push(() => rawStore.close());
    // Reported-state changes and audit entries become events (docs/ARCHITECTURE.md "Operator API").
    const hub = createEventHub(clock, (err) => logger.warn({ err: errorMessage(err) }, 'event listener failed'));
    const store = observedStore(rawStore, hub);
    const tokens = opts.tokens ?? openSqliteTokenStore(db);
    closers.push(() => tokens.close());
    const presence = presenceSweeper(store, hub, DEFAULT_OFFLINE_AFTER_MS);
    const presenceTimer = clock.setInterval(() => presence.sweep(clock.now()), opts.presenceIntervalMs ?? 30_000);
    closers.push(() => clock.clearInterval(presenceTimer));

    const clientId = opts.clientId ?? DEFAULT_FLEET_CLIENT_ID;
    const service = opts.serviceCredential ?? loadOrCreateServiceCredential(opts.dataDir, clientId);
    const identity = createFleetIdentity({
      dataDir: opts.dataDir,
      service,
      // Enrolled gateways learn the key desired states are signed with (docs/SECURITY.md "Signed intent").
      fleetKeyPem: () => opts.fleetKeyPem ?? intentKeys.publicKeyPem,
      mayRelay: (gatewayId, deviceId) => mayRelay(store, gatewayId, deviceId, new Date(clock.now()).toISOString()),
      clock,
      logger,
    });
    closers.push(() => identity.close());

    let brokerUrl = opts.brokerUrl;
    let embedded: EmbeddedBroker | undefined;
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
      embedded = broker;
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

    // Beside its own broker the fleet subscribes and publishes inside it; an external broker is
    // reached as any client reaches it.
    const transport: Transport = embedded
      ? createBrokerTransport(embedded, { clientId, logger })
      : createMqttTransport({
          url: brokerUrl,
          clientId,
          clean: false,
          username: service.username,
          password: service.password,
          logger,
          ...(opts.brokerCa !== undefined ? { ca: opts.brokerCa } : {}),
        });
    const monitorStore = openSqliteMonitorStore(db);
    closers.push(() => monitorStore.close());
    const late: { campaigns?: CampaignEngine } = {}; // set below: alerts pause campaigns of their model
    const monitor = createMonitor({
      store,
      db,
      monitorStore,
      settings: opts.monitor ?? loadMonitorSettings(opts.dataDir),
      clock,
      logger,
      transport,
      onAlert: async (alert) => {
        hub.publish({ type: `alert.${alert.state}`, data: { ...alert } });
        if (late.campaigns) {
          const paused = pauseCampaignsOnAlert(late.campaigns, alert, opts.pauseCampaignsOnAlert ?? 'critical');
          if (paused.length > 0) logger.warn({ alert: alert.id, campaigns: paused }, 'campaigns paused by an alert');
        }
        await opts.onAlert?.(alert);
      },
    });
    closers.push(() => monitor.stop());
    const reviews = openSqliteReviewStore(db, opts.review ?? {});
    closers.push(() => reviews.close());
    const review = createReviewQueue({
      reviews,
      monitorStore,
      store,
      clock,
      onEvent: (type, item) => hub.publish({ type, data: { ...item } }),
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
      labelSink: (label) => {
        monitor.recordLabel(label);
      },
      reviewSink: (item) => review.add(item),
    };
    const ingestion = await routeIngestion(transport, ctx);
    closers.push(() => ingestion.flush());
    const artifactServer = await serveArtifacts({
      transport,
      kind: 'gateways',
      read: createArtifactReader(store, opts.dataDir),
      mayFetch: gatewayArtifactPolicy(store),
      logger,
      onInvalid: (topic, payload, error) => deadLetter(ctx, topic, payload, error),
      onServed: (gatewayId, _artifactId, bytes) => {
        served[gatewayId] = (served[gatewayId] ?? 0) + bytes;
      },
      ...(opts.artifactFlow ? { flow: opts.artifactFlow } : {}),
      clock,
    });
    closers.push(() => transport.close());
    await transport.start();
    const intent = { store, clock, intentKeys, transport };
    for (const state of resignStored(intent, (s) => s.signature?.keyId === intentKeyId)) {
      await publishDesired(transport, state);
    }
    if ((opts.alertEveryMs ?? 60_000) > 0) monitor.start(opts.alertEveryMs ?? 60_000);
    const groups = openSqliteGroupStore(db);
    closers.push(() => groups.close());
    const campaignStore = openSqliteCampaignStore(db);
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
      db,
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
        modelDrift(store, model, { ...o, db, ...(opts.driftThresholds ? { thresholds: opts.driftThresholds } : {}) }),
      monitor,
      review,
      campaigns,
      groups,
      stats: () => ({
        telemetryStored: store.countTelemetry(),
        telemetryDuplicates: counters.telemetryDuplicates,
        deadLetters: store.countDeadLetters(),
        deadLettersDropped: store.countDeadLettersDropped(),
        reported: store.listReported(),
        artifactBytesServed: { ...served },
        artifactReplies: artifactServer.stats(),
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
