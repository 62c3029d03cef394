import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { errorMessage } from '../errors.ts';
import { silentLogger, type Logger } from '../runtime.ts';
import { topicMatches } from '../topic-match.ts';
import type { MessageHandler, PublishOptions, Transport } from '../transport.ts';
import { runHandler } from './run-handler.ts';

export interface MqttTransportOptions {
  url: string;
  clientId: string;
  /** Persistent session (clean: false) by default, so QoS 1 messages wait for us (docs/ARCHITECTURE.md "Topics"). */
  clean?: boolean;
  username?: string;
  password?: string;
  /** For `mqtts://`: PEM of the CA that signed the broker's certificate (default: the system CAs). */
  ca?: string | Buffer;
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  logger?: Logger;
  /** MQTT last will: what the broker publishes for this client when it goes away without a clean close. */
  will?: { topic: string; payload: Buffer | string; qos?: 0 | 1; retain?: boolean };
}

interface Route {
  filter: string;
  handler: MessageHandler;
  qos: 0 | 1;
  /**
   * Topics this route got a message on since its filter was last subscribed. The broker sends a
   * topic's retained message (RETAIN 1) for every subscription that matches it: a later route's
   * subscription would hand an earlier route a message it already has (as retained, or live).
   */
  seen: Set<string>;
}

/** A Transport over mqtt.js, MQTT 3.1.1 so any broker works (aedes has no v5). */
export function createMqttTransport(options: MqttTransportOptions): Transport {
  const log = (options.logger ?? silentLogger).child({ transport: options.clientId });
  const failed = (topic: string, err: unknown): void => log.error({ topic, err: errorMessage(err) }, 'handler failed');
  const routes: Route[] = [];
  let client: MqttClient | undefined;
  /** The first connection of the current start; a second `start()` waits for it instead of connecting again. */
  let starting: Promise<void> | undefined;
  const listeners: { connect: (() => void)[]; offline: (() => void)[] } = { connect: [], offline: [] };

  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    protocolVersion: 4,
    clean: options.clean ?? false,
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    // mqtt-packet's default pre-builds 65,536 two-byte buffers for packet ids (about 6 MB of heap,
    // docs/DEVICE.md "Memory"); writing the two bytes per packet costs nothing measurable.
    writeCache: false,
    ...(options.will
      ? {
          will: {
            topic: options.will.topic,
            payload: Buffer.from(options.will.payload),
            qos: options.will.qos ?? 1,
            retain: options.will.retain ?? false,
          },
        }
      : {}),
    resubscribe: false, // we subscribe every route on each connect ourselves
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  };

  async function subscribeAll(c: MqttClient): Promise<void> {
    // The routes as they were at connect: one added meanwhile subscribes itself (route() below), and
    // subscribing a filter twice makes the broker send its retained message twice.
    for (const r of [...routes]) await c.subscribeAsync(r.filter, { qos: r.qos });
  }

  function dispatch(topic: string, payload: Buffer, retained: boolean): void {
    for (const r of routes) {
      if (!topicMatches(r.filter, topic)) continue;
      // RETAIN 1 only ever comes from a new subscription [MQTT-3.3.1-8, -9]: one per route is enough.
      if (retained && r.seen.has(topic)) continue;
      r.seen.add(topic);
      runHandler(r.handler, topic, payload, failed);
    }
  }

  return {
    clientId: options.clientId,
    get connected() {
      return client?.connected ?? false;
    },
    async route(filter, handler, qos = 1) {
      routes.push({ filter, handler, qos, seen: new Set() });
      if (client?.connected) await client.subscribeAsync(filter, { qos });
    },
    async publish(topic: string, payload: Buffer | string, opts: PublishOptions = {}) {
      if (!client) throw new Error('transport not started');
      await client.publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
    },
    start() {
      starting ??= connect().catch((err: unknown) => {
        starting = undefined;
        throw err;
      });
      return starting;
    },
    async close() {
      const c = client;
      client = undefined;
      starting = undefined;
      if (!c) return;
      const wasConnected = c.connected;
      await c.endAsync(true);
      // mqtt.js says nothing on a deliberate end; listeners hear of every loss of the connection.
      if (wasConnected) for (const l of listeners.offline) l();
    },
    on(event, listener) {
      listeners[event].push(listener);
    },
  };

  function connect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const c = mqtt.connect(options.url, clientOptions);
      client = c;
      let first = true;
      c.on('message', (topic, payload, packet) => dispatch(topic, payload, packet.retain));
      c.on('connect', () => {
        // Every route is subscribed again, so each gets the retained messages again.
        for (const r of routes) r.seen.clear();
        subscribeAll(c)
          .then(() => {
            for (const l of listeners.connect) l();
            if (first) {
              first = false;
              resolve();
            }
          })
          .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'subscribe failed'));
      });
      c.on('offline', () => {
        for (const l of listeners.offline) l();
      });
      c.on('error', (err) => {
        log.warn({ err: err.message }, 'mqtt error');
        if (first && (err as { code?: unknown }).code !== 'ECONNREFUSED') {
          first = false;
          reject(err);
        }
      });
    });
  }
}
