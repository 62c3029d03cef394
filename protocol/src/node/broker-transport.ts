import type { Readable } from 'node:stream';
import { errorMessage } from '../errors.ts';
import { silentLogger, type Logger } from '../runtime.ts';
import type { MessageHandler, PublishOptions, Transport } from '../transport.ts';
import { runHandler } from './run-handler.ts';
import type { EmbeddedBroker } from './embedded-broker.ts';

export interface BrokerTransportOptions {
  /** Names this transport in logs and in the `clientId` it reports; no MQTT client connects. */
  clientId: string;
  logger?: Logger;
}

interface AedesPacket {
  topic: string;
  payload: Buffer | string;
}
type Deliver = (packet: AedesPacket, done: () => void) => void;

interface AedesInProcess {
  subscribe(filter: string, deliver: Deliver, done: () => void): void;
  unsubscribe(filter: string, deliver: Deliver, done: () => void): void;
  publish(
    packet: { cmd: 'publish'; topic: string; payload: Buffer; qos: 0 | 1; retain: boolean; dup: boolean },
    done: (err?: Error | null) => void,
  ): void;
  persistence: { createRetainedStreamCombi(patterns: string[]): Readable };
}

const asBuffer = (p: Buffer | string): Buffer => (typeof p === 'string' ? Buffer.from(p) : p);

/**
 * A filter starting with a wildcard does not match a topic starting with `$` [MQTT-4.7.2-1]: the
 * broker's own `$SYS/…` announcements. Its clients get that from aedes; in-process subscribers don't.
 */
const reaches = (filter: string, topic: string): boolean =>
  !(topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#')));

interface Route {
  filter: string;
  handler: MessageHandler;
  deliver: Deliver;
}

/**
 * A Transport for the service that runs beside its own embedded broker (the fleet's and a
 * gateway's, docs/ARCHITECTURE.md "Topics"): it subscribes and publishes inside the broker (aedes'
 * in-process `subscribe`/`publish`) instead of through an MQTT client on a loopback socket, so a
 * message to or from the service is not serialised, written, read and parsed once more on its way.
 * Semantics are the MQTT transport's: handlers see every message matching their filter, including
 * the retained ones present when the route is registered or the transport starts; `publish`
 * resolves once the broker has taken the message (stored if retained, handed to each subscriber).
 * It is trusted code of the same process, so the broker's authorisation does not apply to it.
 * The broker's clients see its messages as coming from no client.
 */
export function createBrokerTransport(broker: EmbeddedBroker, options: BrokerTransportOptions): Transport {
  const log = (options.logger ?? silentLogger).child({ transport: options.clientId });
  const failed = (topic: string, err: unknown): void => log.error({ topic, err: errorMessage(err) }, 'handler failed');
  const aedes = broker.aedes as unknown as AedesInProcess;
  const routes: Route[] = [];
  const listeners: { connect: (() => void)[]; offline: (() => void)[] } = { connect: [], offline: [] };
  let started = false;
  let closed = false;

  function call(route: Route, topic: string, payload: Buffer): void {
    if (!reaches(route.filter, topic)) return;
    runHandler(route.handler, topic, payload, failed);
  }

  async function attach(route: Route): Promise<void> {
    await new Promise<void>((resolve) => aedes.subscribe(route.filter, route.deliver, resolve));
    // Retained messages already there, as a broker sends them on SUBSCRIBE.
    for await (const packet of aedes.persistence.createRetainedStreamCombi([
      route.filter,
    ]) as AsyncIterable<AedesPacket>)
      if (!closed) call(route, packet.topic, asBuffer(packet.payload));
  }

  return {
    clientId: options.clientId,
    get connected() {
      return started && !closed;
    },
    async route(filter, handler) {
      const route: Route = {
        filter,
        handler,
        deliver: (packet, done) => {
          if (!closed) call(route, packet.topic, asBuffer(packet.payload));
          done();
        },
      };
      routes.push(route);
      if (started && !closed) await attach(route);
    },
    publish(topic: string, payload: Buffer | string, opts: PublishOptions = {}) {
      if (!started || closed) return Promise.reject(new Error('transport not started'));
      const packet = {
        cmd: 'publish' as const,
        topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos: opts.qos ?? 1,
        retain: opts.retain ?? false,
        dup: false,
      };
      return new Promise<void>((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
    },
    async start() {
      if (started) return;
      started = true;
      for (const r of routes) await attach(r);
      for (const l of listeners.connect) l();
    },
    async close() {
      if (closed || !started) {
        closed = true;
        return;
      }
      closed = true;
      await Promise.all(
        routes.map((r) => new Promise<void>((resolve) => aedes.unsubscribe(r.filter, r.deliver, resolve))),
      );
      for (const l of listeners.offline) l();
    },
    on(event, listener) {
      listeners[event].push(listener);
    },
  };
}
