import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import { boundedDepthEmitter } from './broker-queue.ts';
import { allowed, clientIdAllowed, RETAINED_LEAVES } from '../acl.ts';
import { parseTopic } from '../topics.ts';
import { silentLogger, type Logger } from '../runtime.ts';
import type { AuthenticatedClient, BrokerAuth } from './identity/broker-auth.ts';
import { DEFAULT_MAX_PACKET_BYTES, limitPackets } from './packet-limit.ts';

export { DEFAULT_MAX_PACKET_BYTES } from './packet-limit.ts';

/**
 * The embedded MQTT broker of the fleet and of each gateway (aedes, MQTT 3.1.1). Nothing in the
 * tiers assumes it: they talk to it through a Transport by URL, as they would to any broker.
 */
export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  readonly aedes: Aedes;
  /**
   * Disconnects every client whose credentials are no longer valid (revoked or rotated since it
   * connected); returns how many. Only with `auth`.
   */
  revalidate(): number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  aedes?: AedesOptions;
  /**
   * Client authentication and topic authorisation (docs/SECURITY.md "Broker access"). The fleet and
   * the gateway always pass one; absent, any client may connect (test doubles only) — the bounds
   * below apply either way.
   */
  auth?: BrokerAuth;
  /** Largest MQTT packet accepted, fixed header included (default 1 MiB); a larger one closes the connection. */
  maxPacketBytes?: number;
  /** Serve MQTT over TLS (`mqtts://`): PEM key and certificate chain. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  logger?: Logger;
}

const IDENTITY = Symbol('outpost.identity');
type WithIdentity = Client & { [IDENTITY]?: AuthenticatedClient };

/** A retained message outside `desired` and `reported` of an Outpost topic. */
function retainedOutsideProtocol(topic: string): boolean {
  try {
    return !RETAINED_LEAVES.includes(parseTopic(topic).leaf);
  } catch {
    return true;
  }
}

function refused(message: string): Error {
  return new Error(message);
}

/** CONNACK 2 (identifier rejected), 3 (server unavailable), 4 (bad user name or password). */
function refusedConnect(message: string, returnCode: 2 | 3 | 4): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as unknown as AuthenticateError;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const log = (options.logger ?? silentLogger).child({ component: 'broker' });
  const auth = options.auth;
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const aedes = await Aedes.createBroker({
    // aedes' own default concurrency, without its stack overflow under a backlog (broker-queue.ts).
    mq: boundedDepthEmitter(options.aedes?.concurrency ?? 100),
    ...(options.aedes ?? {}),
    authenticate(client, username, password, done) {
      if (!auth) return done(null, true);
      if (username === undefined || password === undefined) {
        log.warn({ clientId: client.id }, 'refused anonymous client');
        return done(refusedConnect('credentials required', 4), false);
      }
      auth.authenticate(username, password).then(
        (who) => {
          if (!who) {
            log.warn({ clientId: client.id, username }, 'refused client: bad user name or password');
            return done(refusedConnect('bad user name or password', 4), false);
          }
          if (!clientIdAllowed(who.identity, client.id)) {
            // Binding the client id to the credentials is what stops a session takeover.
            log.warn({ clientId: client.id, username }, 'refused client: client id not bound to these credentials');
            return done(refusedConnect('client id does not match the credentials', 2), false);
          }
          (client as WithIdentity)[IDENTITY] = who;
          done(null, true);
        },
        (err: unknown) => {
          log.error({ clientId: client.id, err: String(err) }, 'authentication failed');
          done(refusedConnect('authentication failed', 3), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      const topic = packet.topic;
      if (!client) return done(null); // aedes' own will messages of clients that were authorised
      if (!auth) {
        if (topic.startsWith('$')) return done(refused('$ topics are reserved'));
        if (packet.retain && retainedOutsideProtocol(topic))
          return done(refused('retained only on Outpost state topics'));
        return done(null);
      }
      const who = (client as WithIdentity)[IDENTITY];
      const ok =
        who !== undefined &&
        allowed(who.identity, 'publish', topic, {
          retain: packet.retain,
          ...(auth.mayRelay ? { mayRelay: auth.mayRelay } : {}),
        });
      if (!ok) {
        log.warn({ clientId: client.id, topic, retain: packet.retain }, 'refused publish');
        return done(refused('not authorised to publish here'));
      }
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const who = (client as WithIdentity)[IDENTITY];
      const ok = auth
        ? who !== undefined && allowed(who.identity, 'subscribe', sub.topic)
        : !sub.topic.startsWith('$') && sub.topic !== '#';
      if (!ok) {
        log.warn({ clientId: client.id, filter: sub.topic }, 'refused subscription');
        return done(null, null); // SUBACK 0x80 for this filter; the client stays connected
      }
      done(null, sub);
    },
  });
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(
      limitPackets(socket, maxPacketBytes, (announced) =>
        log.warn({ remote: socket.remoteAddress, announced, maxPacketBytes }, 'refused packet over the size bound'),
      ),
    );
  };
  const server: Server = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onConnection)
    : createServer(onConnection);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  return {
    url: `${options.tls ? 'mqtts' : 'mqtt'}://${host}:${port}`,
    port,
    aedes,
    revalidate() {
      if (!auth) return 0;
      let n = 0;
      for (const client of Object.values((aedes as unknown as { clients: Record<string, WithIdentity> }).clients)) {
        const who = client[IDENTITY];
        if (who && !auth.stillValid(who)) {
          log.info(
            { clientId: client.id, id: who.identity.id },
            'disconnected client: credentials revoked or replaced',
          );
          client.close();
          n++;
        }
      }
      return n;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

export { createBrokerTransport, type BrokerTransportOptions } from './broker-transport.ts';
