import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FLEET_KEY_FILE,
  assertId,
  errorMessage,
  silentLogger,
  systemClock,
  type Clock,
  type DeadLetterBounds,
  type Logger,
  offlineWill,
} from '@outpost/protocol';
import {
  createMqttTransport,
  readNodeCredentials,
  serveArtifacts,
  type ArtifactFlowOptions,
  type NodeCredentials,
  type ReplyLimiterStats,
} from '@outpost/protocol/node';
import { createBrokerTransport, startEmbeddedBroker } from '@outpost/protocol/broker';
import { createArtifactCache } from './artifact-cache.ts';
import { createDeadLetterSink } from './dead-letters.ts';
import { deviceArtifactPolicy } from './artifact-policy.ts';
import { createReconciler } from './reconcile.ts';
import { createRelay, type RelayHealth } from './relay.ts';
import { startEnrollServer } from '@outpost/protocol/enroll-server';
import { createGatewayIdentity, localServiceId } from './identity/gateway-identity.ts';
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
  /**
   * The gateway's credentials on the fleet broker. Default: `<dataDir>/credentials.json`, written
   * by `outpost enroll`; with neither, the gateway connects without credentials (a broker that
   * requires them refuses it).
   */
  credentials?: NodeCredentials;
  /** For an `mqtts://` upstream: the CA (PEM) that signed the fleet broker's certificate. */
  upstreamCa?: string | Buffer;
  /** TLS for the site broker (`mqtts://`) and the device enrol endpoint (https): PEM key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Largest MQTT packet the site broker accepts (default 1 MiB, docs/SECURITY.md "Bounds"). */
  maxPacketBytes?: number;
  /** Most devices the gateway registers (default 10,000); reports of further devices are refused. */
  maxDevices?: number;
  /** Port of the device enrol endpoint; absent, it is not served. 0 picks a free port. */
  enrollPort?: number;
  /** First re-send of an outbox entry the fleet has not receipted (default 5 s, doubling up to 60 s). */
  resendMs?: number;
  /**
   * Flow control of the artifact chunk replies served to devices (docs/ARCHITECTURE.md "Artifact
   * transfer"): default 32 in flight, 2 per device, 2,000 queued, busy refusals advise 2–3 s.
   */
  chunkFlow?: ArtifactFlowOptions;
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
  /** `degraded` (with the reason code) while gateway.db refuses writes (docs/ARCHITECTURE.md "Telemetry"). */
  health: RelayHealth;
  /** Artifact bytes sent to each device since start (chunk payloads, before base64). */
  servedBytes: Record<string, number>;
  /**
   * Artifact chunk replies being published and waiting their turn now, the most of each since
   * start, and the requests refused as busy (docs/ARCHITECTURE.md "Artifact transfer").
   */
  chunkReplies: ReplyLimiterStats;
}

export interface Gateway {
  id: string;
  /** URL of the site broker the devices connect to. */
  localUrl: string;
  /** The device enrol endpoint's base URL, when `enrollPort` was given. */
  enrollUrl: string | undefined;
  /** A one-time enrolment token for a device (docs/SECURITY.md "Identity"). */
  createEnrollToken(deviceId: string, ttlMs?: number): { token: string; expiresAt: number };
  /** Removes a device's credentials and disconnects it. */
  revokeDevice(deviceId: string): void;
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
    mkdirSync(opts.dataDir, { recursive: true });
    const credentials = opts.credentials ?? readNodeCredentials(opts.dataDir, { expectId: id });
    const fleetKeyPath = join(opts.dataDir, FLEET_KEY_FILE);
    const identity = createGatewayIdentity({
      gatewayId: id,
      dataDir: opts.dataDir,
      fleetKeyPem: () => (existsSync(fleetKeyPath) ? readFileSync(fleetKeyPath, 'utf8') : undefined),
      clock,
      logger: log,
    });
    closers.push({ name: 'identity', close: () => identity.close() });
    const broker = await startEmbeddedBroker({
      port: opts.localPort ?? DEFAULT_LOCAL_PORT,
      host: opts.localHost ?? DEFAULT_LOCAL_HOST,
      auth: identity.auth,
      logger: log,
      ...(opts.maxPacketBytes !== undefined ? { maxPacketBytes: opts.maxPacketBytes } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
    });
    closers.push({ name: 'local broker', close: () => broker.close() });
    identity.attach(broker);
    let enrollUrl: string | undefined;
    if (opts.enrollPort !== undefined) {
      const server = await startEnrollServer({
        identity,
        host: opts.localHost ?? DEFAULT_LOCAL_HOST,
        port: opts.enrollPort,
        logger: log,
        ...(opts.tls ? { tls: opts.tls } : {}),
      });
      closers.push({ name: 'enrol endpoint', close: () => server.close() });
      enrollUrl = server.url;
    }
    const local = createBrokerTransport(broker, { clientId: localServiceId(id), logger: log });
    closers.push({ name: 'local transport', close: () => local.close() });
    const keyFile = join(opts.dataDir, FLEET_KEY_FILE);
    const fleetKeyPem = opts.fleetKeyPem ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined);
    if (fleetKeyPem === undefined) log.warn({ file: keyFile }, 'no fleet intent key: desired states will be refused');
    const upstream = createMqttTransport({
      url: opts.upstreamUrl,
      clientId: `gw-${id}`,
      clean: false, // persistent session: QoS 1 messages for us wait while we are away
      logger: log,
      ...(credentials ? { username: credentials.username, password: credentials.password } : {}),
      ...(opts.upstreamCa !== undefined ? { ca: opts.upstreamCa } : {}),
      // The fleet learns at once that this gateway went away (docs/ARCHITECTURE.md "Deploy: desired → reported").
      will: offlineWill('gateway', id, clock.now()),
      ...(opts.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: opts.reconnectPeriodMs } : {}),
    });
    closers.push({ name: 'upstream transport', close: () => upstream.close() });

    let deadLettered = 0;
    const servedBytes = new Map<string, number>();
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
      ...(opts.maxDevices !== undefined ? { maxDevices: opts.maxDevices } : {}),
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
      ...(opts.resendMs !== undefined ? { resendMs: opts.resendMs } : {}),
    });
    closers.push({ name: 'relay', close: () => relay.stop() });
    // Replies go out at most `maxInFlight` at a time, each slot freed as its publish completes.
    const artifactServer = await serveArtifacts({
      transport: local,
      kind: 'devices',
      read: cache.serve,
      mayFetch: deviceArtifactPolicy(store),
      logger: log,
      onInvalid: deadLetter,
      onServed: (device, _artifactId, bytes) => servedBytes.set(device, (servedBytes.get(device) ?? 0) + bytes),
      ...(opts.chunkFlow ? { flow: opts.chunkFlow } : {}),
      clock,
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
      enrollUrl,
      createEnrollToken: (deviceId, ttlMs) => identity.createEnrollToken(deviceId, ttlMs),
      revokeDevice: (deviceId) => identity.revoke(deviceId),
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
            health: { status: 'ok' },
            servedBytes: Object.fromEntries(servedBytes),
            chunkReplies: artifactServer.stats(),
          };
        }
        const health = relay.health();
        if (health.status === 'degraded') {
          // Reads may fail too while the store is broken: the figures that need it are left out.
          const safe = <T>(read: () => T, fallback: T): T => {
            try {
              return read();
            } catch {
              return fallback;
            }
          };
          return {
            upstreamConnected: upstream.connected,
            devices: safe(() => store.listDevices().map((d) => d.id), []),
            cachedArtifacts: safe(() => store.listArtifacts().map((a) => a.artifactId), []),
            outboxDepth: safe(() => store.outboxDepth(), -1),
            relayed: relay.relayed,
            deadLetters: safe(() => store.deadLetterCount(), -1),
            deadLettersDropped: safe(() => store.deadLettersDropped(), -1),
            desiredRevision: safe(() => store.getDesired()?.revision ?? null, null),
            health,
            servedBytes: Object.fromEntries(servedBytes),
            chunkReplies: artifactServer.stats(),
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
          health,
          servedBytes: Object.fromEntries(servedBytes),
          chunkReplies: artifactServer.stats(),
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
