import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FLEET_KEY_FILE,
  assertId,
  encode,
  errorMessage,
  topics,
  silentLogger,
  systemClock,
  type Clock,
  type DeadLetterBounds,
  type Logger,
} from '@outpost/protocol';
import { createMqttTransport, serveArtifacts } from '@outpost/protocol/node';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { createArtifactCache } from './artifact-cache.ts';
import { createDeadLetterSink } from './dead-letters.ts';
import { deviceArtifactPolicy } from './artifact-policy.ts';
import { createReconciler } from './reconcile.ts';
import { createRelay } from './relay.ts';
import { openSqliteStore } from './store/sqlite-store.ts';

export const DEFAULT_LOCAL_PORT = 1884;
export const DEFAULT_LOCAL_HOST = '127.0.0.1';

export interface GatewayOptions {
  id: string;
  dataDir: string;
  /** The fleet's MQTT broker, e.g. mqtt://fleet.example:1883. May be down when the gateway starts. */
  upstreamUrl: string;
  /** Port of the site broker; default 1884, 0 picks a free one. */
  localPort?: number;
  localHost?: string;
  /** The fleet's artifact signing key (PEM), pinned. */
  publicKeyPem: string;
  /**
   * The fleet's intent key (PEM) that signs desired states (docs/SECURITY.md "Signed intent");
   * default the file `<dataDir>/fleet-key.pub`. Without either, no desired state is accepted.
   */
  fleetKeyPem?: string;
  /** The gateway's report is re-sent this often so the fleet sees it alive (default 60 s). */
  heartbeatMs?: number;
  logger?: Logger;
  clock?: Clock;
  chunkTimeoutMs?: number;
  /** How soon the upstream connection is retried after it drops (default 1000 ms). */
  reconnectPeriodMs?: number;
  /** How soon a failed reconcile is retried (default 30 s). */
  retryMs?: number;
  /** Bounds of the dead-letter table (default: 10,000 letters, 4 KiB of each payload). */
  deadLetters?: DeadLetterBounds;
}

export interface GatewayStatusSnapshot {
  upstreamConnected: boolean;
  devices: string[];
  cachedArtifacts: string[];
  outboxDepth: number;
  relayed: number;
  deadLetters: number;
  /** Dead letters dropped to keep the table within its bound (docs/SECURITY.md "Bounds"). */
  deadLettersDropped: number;
  desiredRevision: number | null;
}

export interface Gateway {
  id: string;
  /** URL of the site broker the devices connect to. */
  localUrl: string;
  status(): GatewayStatusSnapshot;
  close(): Promise<void>;
}

/**
 * Starts a site gateway (docs/ARCHITECTURE.md "Tiers and packages"): a local broker for the site's devices, an artifact cache
 * fed from the fleet, the reconcile loop and the store-and-forward relay. Resolves once the local
 * side is up; the upstream connection is retried in the background, so a site keeps being served
 * from its cache while the fleet is away.
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const id = assertId('gateway', opts.id);
  const clock = opts.clock ?? systemClock;
  const log = (opts.logger ?? silentLogger).child({ gateway: id });
  const closers: { name: string; close: () => Promise<void> | void }[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c.close();
      } catch (err) {
        log.warn({ part: c.name, err: errorMessage(err) }, 'close failed');
      }
    }
  };

  try {
    const store = openSqliteStore(opts.dataDir, opts.deadLetters ? { deadLetters: opts.deadLetters } : {});
    closers.push({ name: 'store', close: () => store.close() });
    const broker = await startEmbeddedBroker({
      port: opts.localPort ?? DEFAULT_LOCAL_PORT,
      host: opts.localHost ?? DEFAULT_LOCAL_HOST,
    });
    closers.push({ name: 'local broker', close: () => broker.close() });
    const local = createMqttTransport({ url: broker.url, clientId: `gw-${id}-local`, logger: log });
    closers.push({ name: 'local transport', close: () => local.close() });
    const keyFile = join(opts.dataDir, FLEET_KEY_FILE);
    const fleetKeyPem = opts.fleetKeyPem ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined);
    if (fleetKeyPem === undefined) log.warn({ file: keyFile }, 'no fleet intent key: desired states will be refused');
    const upstream = createMqttTransport({
      url: opts.upstreamUrl,
      clientId: `gw-${id}`,
      clean: false, // persistent session: QoS 1 messages for us wait while we are away
      logger: log,
      // The fleet learns at once that this gateway went away (docs/ARCHITECTURE.md "Deploy: desired → reported").
      will: {
        topic: topics.gateway(id, 'reported'),
        payload: encode({
          source: id,
          kind: 'gateway',
          revision: -1,
          at: new Date(clock.now()).toISOString(),
          status: 'offline',
          models: [],
        }),
        qos: 1,
        retain: true,
      },
      ...(opts.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: opts.reconnectPeriodMs } : {}),
    });
    closers.push({ name: 'upstream transport', close: () => upstream.close() });

    let deadLettered = 0;
    const deadLetter = createDeadLetterSink(store, clock, log, () => deadLettered++);

    // Every route is registered before either transport starts, so retained and queued messages
    // (the upstream desired state, devices' retained reports) are not missed.
    const cache = await createArtifactCache({
      dataDir: opts.dataDir,
      store,
      upstream,
      gatewayId: id,
      publicKeyPem: opts.publicKeyPem,
      clock,
      logger: log,
      ...(opts.chunkTimeoutMs !== undefined ? { chunkTimeoutMs: opts.chunkTimeoutMs } : {}),
    });
    const reconciler = await createReconciler({
      gatewayId: id,
      store,
      cache,
      local,
      upstream,
      deadLetter,
      clock,
      logger: log,
      ...(opts.retryMs !== undefined ? { retryMs: opts.retryMs } : {}),
      ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
      ...(fleetKeyPem !== undefined ? { fleetKeyPem } : {}),
    });
    closers.push({ name: 'reconciler', close: () => reconciler.stop() });
    const relay = await createRelay({
      gatewayId: id,
      store,
      local,
      upstream,
      deadLetter,
      onReported: (deviceId, reported) => reconciler.deviceReported(deviceId, reported),
      clock,
      logger: log,
    });
    closers.push({ name: 'relay', close: () => relay.stop() });
    await serveArtifacts({
      transport: local,
      kind: 'devices',
      read: cache.serve,
      mayFetch: deviceArtifactPolicy(store),
      logger: log,
      onInvalid: deadLetter,
    });

    await local.start();
    // Not awaited: the fleet may be down; mqtt.js keeps retrying and the relay drains on connect.
    upstream.start().then(
      () => log.info({ url: opts.upstreamUrl }, 'upstream connected'),
      (err: unknown) =>
        log.warn({ url: opts.upstreamUrl, err: errorMessage(err) }, 'upstream connection failed; retrying'),
    );
    reconciler.start().catch((err: unknown) => log.error({ err: errorMessage(err) }, 'initial reconcile failed'));
    log.info({ localUrl: broker.url, upstreamUrl: opts.upstreamUrl }, 'gateway started');

    let closed = false;
    return {
      id,
      localUrl: broker.url,
      status() {
        if (closed) {
          return {
            upstreamConnected: false,
            devices: [],
            cachedArtifacts: [],
            outboxDepth: 0,
            relayed: relay.relayed,
            deadLetters: deadLettered,
            deadLettersDropped: 0,
            desiredRevision: null,
          };
        }
        return {
          upstreamConnected: upstream.connected,
          devices: store.listDevices().map((d) => d.id),
          cachedArtifacts: store.listArtifacts().map((a) => a.artifactId),
          outboxDepth: store.outboxDepth(),
          relayed: relay.relayed,
          deadLetters: store.deadLetterCount(),
          deadLettersDropped: store.deadLettersDropped(),
          desiredRevision: store.getDesired()?.revision ?? null,
        };
      },
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
        log.info({}, 'gateway closed');
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
