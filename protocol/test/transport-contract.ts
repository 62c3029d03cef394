import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics } from '../src/index.ts';
import type { EmbeddedBroker } from '../src/node/embedded-broker.ts';
import type { MessageHandler, Transport } from '../src/transport.ts';

/** What a contract run needs: a real embedded broker (no auth) and a way to make the transport under test. */
export interface TransportSetup {
  broker: EmbeddedBroker;
  /** A new, not yet started transport talking through `broker`. */
  make(clientId: string): Transport;
  close(): Promise<void>;
}

interface Seen {
  topic: string;
  payload: Buffer;
}

/** A handler that records what it sees, and a wait for the n-th message. */
function recorder(): { handler: MessageHandler; seen: Seen[]; until(n: number): Promise<void> } {
  const seen: Seen[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  return {
    seen,
    handler(topic, payload) {
      seen.push({ topic, payload: Buffer.from(payload) });
      waiters = waiters.filter((w) => (seen.length >= w.n ? (w.resolve(), false) : true));
    },
    until(n) {
      if (seen.length >= n) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
  };
}

/** Lets every message already on its way arrive (a few event-loop turns and a socket round trip). */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

const telemetry = (device: string): string => topics.device(device, 'telemetry');
const reported = (device: string): string => topics.device(device, 'reported');

/**
 * The Transport contract (protocol/src/transport.ts), run against every implementation — one
 * contract suite per interface (docs/ARCHITECTURE.md "Composition and tests"). The other side of
 * every exchange is a real MQTT client on the broker's socket, never the transport under test.
 */
export function transportContract(name: string, setup: () => Promise<TransportSetup>): void {
  describe(`Transport contract: ${name}`, () => {
    let s: TransportSetup;
    const clients: MqttClient[] = [];
    const transports: Transport[] = [];

    beforeEach(async () => {
      s = await setup();
    });
    afterEach(async () => {
      await Promise.all(transports.splice(0).map((t) => t.close()));
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
      await s.close();
    });

    const make = (clientId = 'under-test'): Transport => {
      const t = s.make(clientId);
      transports.push(t);
      return t;
    };
    /** A plain mqtt.js client on the broker's socket: the other side. */
    const client = async (clientId: string): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(s.broker.url, {
        clientId,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
      });
      clients.push(c);
      return c;
    };
    /** A real subscriber recording every message on `filter`. */
    const subscriber = async (clientId: string, filter: string): Promise<ReturnType<typeof recorder>> => {
      const c = await client(clientId);
      const r = recorder();
      c.on('message', (topic, payload) => void r.handler(topic, payload));
      await c.subscribeAsync(filter, { qos: 1 });
      return r;
    };

    it('delivers, byte for byte, what another client publishes on topics matching `+` and `#` routes, and nothing else', async () => {
      const t = make();
      const plus = recorder();
      const hash = recorder();
      await t.route('outpost/v1/devices/+/telemetry', plus.handler);
      await t.route('outpost/v1/devices/d1/#', hash.handler);
      await t.start();
      const pub = await client('publisher');
      const bytes = randomBytes(64);
      await pub.publishAsync(topics.gateway('g1', 'telemetry'), Buffer.from('neither'), { qos: 1 });
      await pub.publishAsync(topics.device('d2', 'labels'), Buffer.from('neither'), { qos: 1 });
      await pub.publishAsync(telemetry('d2'), bytes, { qos: 1 });
      await pub.publishAsync(topics.device('d1', 'labels'), Buffer.from('hash only'), { qos: 1 });
      await plus.until(1);
      await hash.until(1);
      await settle();
      expect(plus.seen).toEqual([{ topic: telemetry('d2'), payload: bytes }]);
      expect(hash.seen).toEqual([{ topic: topics.device('d1', 'labels'), payload: Buffer.from('hash only') }]);
    });

    it('runs every route matching one topic, each once', async () => {
      const t = make();
      const a = recorder();
      const b = recorder();
      await t.route('outpost/v1/devices/+/telemetry', a.handler);
      await t.route('outpost/v1/devices/#', b.handler);
      await t.start();
      const pub = await client('publisher');
      await pub.publishAsync(telemetry('d1'), Buffer.from('one'), { qos: 1 });
      await pub.publishAsync(telemetry('d1'), Buffer.from('two'), { qos: 1 });
      await a.until(2);
      await b.until(2);
      await settle();
      expect(a.seen.map((m) => m.payload.toString())).toEqual(['one', 'two']);
      expect(b.seen.map((m) => m.payload.toString())).toEqual(['one', 'two']);
    });

    it('does not match `$` topics with a wildcard in the first level', async () => {
      const t = make();
      const r = recorder();
      await t.route('+/#', r.handler);
      await t.start();
      // The broker announces each new client on $SYS/<broker id>/new/clients.
      const pub = await client('publisher');
      await pub.publishAsync(telemetry('d1'), Buffer.from('x'), { qos: 1 });
      await r.until(1);
      await settle();
      expect(r.seen.map((m) => m.topic)).toEqual([telemetry('d1')]);
    });

    it('publishes QoS 1 to a real subscriber, and a retained publish reaches a client that subscribes later', async () => {
      const t = make();
      await t.start();
      const live = await subscriber('live', 'outpost/v1/devices/+/+');
      const bytes = randomBytes(32);
      await t.publish(telemetry('d1'), bytes, { qos: 1 });
      await t.publish(reported('d1'), Buffer.from('state'), { qos: 1, retain: true });
      await live.until(2);
      expect(live.seen).toEqual([
        { topic: telemetry('d1'), payload: bytes },
        { topic: reported('d1'), payload: Buffer.from('state') },
      ]);
      const later = await subscriber('later', 'outpost/v1/devices/+/+');
      await later.until(1);
      await settle();
      // The retained one only: the telemetry was not retained.
      expect(later.seen).toEqual([{ topic: reported('d1'), payload: Buffer.from('state') }]);
    });

    it('publishes QoS 0, and an empty retained publish clears the retained message', async () => {
      const t = make();
      await t.start();
      const live = await subscriber('live', 'outpost/v1/devices/+/+');
      await t.publish(telemetry('d1'), Buffer.from('qos 0'), { qos: 0 });
      await live.until(1);
      expect(live.seen).toEqual([{ topic: telemetry('d1'), payload: Buffer.from('qos 0') }]);
      await t.publish(reported('d1'), Buffer.from('state'), { qos: 1, retain: true });
      await t.publish(reported('d2'), Buffer.from('state'), { qos: 1, retain: true });
      await t.publish(reported('d1'), Buffer.alloc(0), { qos: 1, retain: true });
      const later = await subscriber('later', 'outpost/v1/devices/+/reported');
      await later.until(1);
      await settle();
      expect(later.seen.map((m) => m.topic)).toEqual([reported('d2')]);
    });

    it('delivers retained messages present before start to routes registered before start', async () => {
      const pub = await client('publisher');
      await pub.publishAsync(reported('d1'), Buffer.from('d1 state'), { qos: 1, retain: true });
      await pub.publishAsync(reported('d2'), Buffer.from('d2 state'), { qos: 1, retain: true });
      const t = make();
      const r = recorder();
      await t.route('outpost/v1/devices/+/reported', r.handler);
      await t.start();
      await r.until(2);
      await settle();
      expect(r.seen.map((m) => `${m.topic}=${m.payload.toString()}`).sort()).toEqual([
        `${reported('d1')}=d1 state`,
        `${reported('d2')}=d2 state`,
      ]);
    });

    it('gives a route registered after start the retained messages present then, and later ones; other routes do not see those again', async () => {
      const pub = await client('publisher');
      await pub.publishAsync(reported('d1'), Buffer.from('old'), { qos: 1, retain: true });
      const t = make();
      const early = recorder();
      await t.route('outpost/v1/devices/+/reported', early.handler);
      await t.start();
      await early.until(1);
      const late = recorder();
      await t.route(reported('d1'), late.handler);
      await late.until(1);
      expect(late.seen).toEqual([{ topic: reported('d1'), payload: Buffer.from('old') }]);
      await pub.publishAsync(reported('d1'), Buffer.from('new'), { qos: 1, retain: true });
      await late.until(2);
      await early.until(2);
      await settle();
      expect(late.seen.map((m) => m.payload.toString())).toEqual(['old', 'new']);
      expect(early.seen.map((m) => m.payload.toString())).toEqual(['old', 'new']);
    });

    it('does not hand a route a retained message again that it got live, when a later route subscribes', async () => {
      const t = make();
      const early = recorder();
      await t.route('outpost/v1/devices/+/reported', early.handler);
      await t.start();
      const pub = await client('publisher');
      await pub.publishAsync(reported('d1'), Buffer.from('live'), { qos: 1, retain: true });
      await early.until(1);
      const late = recorder();
      await t.route('outpost/v1/devices/d1/+', late.handler);
      await late.until(1);
      await settle();
      expect(late.seen).toEqual([{ topic: reported('d1'), payload: Buffer.from('live') }]);
      expect(early.seen.map((m) => m.payload.toString())).toEqual(['live']);
    });

    it('is not connected before start, is after, and runs connect listeners on start', async () => {
      const t = make();
      let connects = 0;
      t.on('connect', () => connects++);
      expect(t.connected).toBe(false);
      await t.start();
      expect(t.connected).toBe(true);
      expect(connects).toBe(1);
    });

    it('starts once: a second start neither connects again nor duplicates deliveries', async () => {
      const t = make();
      const r = recorder();
      let connects = 0;
      t.on('connect', () => connects++);
      await t.route('outpost/v1/devices/+/telemetry', r.handler);
      await t.start();
      await t.start();
      const pub = await client('publisher');
      await pub.publishAsync(telemetry('d1'), Buffer.from('once'), { qos: 1 });
      await r.until(1);
      await settle();
      expect(r.seen.map((m) => m.payload.toString())).toEqual(['once']);
      expect(connects).toBe(1);
      expect(t.connected).toBe(true);
    });

    it('keeps delivering to every route when a handler throws or rejects', async () => {
      const t = make();
      const ok = recorder();
      let threw = 0;
      let rejected = 0;
      await t.route('outpost/v1/devices/+/telemetry', () => {
        threw++;
        throw new Error('handler bug');
      });
      await t.route('outpost/v1/devices/+/telemetry', () => {
        rejected++;
        return Promise.reject(new Error('async handler bug'));
      });
      await t.route('outpost/v1/devices/+/telemetry', ok.handler);
      await t.start();
      const pub = await client('publisher');
      for (const p of ['a', 'b', 'c']) await pub.publishAsync(telemetry('d1'), Buffer.from(p), { qos: 1 });
      await ok.until(3);
      expect(ok.seen.map((m) => m.payload.toString())).toEqual(['a', 'b', 'c']);
      expect([threw, rejected]).toEqual([3, 3]);
      expect(t.connected).toBe(true);
      // Publishing still works too.
      const sub = await subscriber('sub', reported('d1'));
      await t.publish(reported('d1'), Buffer.from('still here'), { qos: 1 });
      await sub.until(1);
    });

    it('after close runs no handler for later messages, is not connected, has told offline listeners and refuses to publish', async () => {
      const t = make();
      const r = recorder();
      let offline = 0;
      t.on('offline', () => offline++);
      await t.route('outpost/v1/devices/+/telemetry', r.handler);
      await t.start();
      const pub = await client('publisher');
      await pub.publishAsync(telemetry('d1'), Buffer.from('before'), { qos: 1 });
      await r.until(1);
      await t.close();
      expect(t.connected).toBe(false);
      expect(offline).toBe(1); // `connected` turned false
      // A witness on the same filter shows the later message did go out.
      const witness = await subscriber('witness', 'outpost/v1/devices/+/telemetry');
      await pub.publishAsync(telemetry('d1'), Buffer.from('after'), { qos: 1 });
      await witness.until(1);
      await settle();
      expect(r.seen.map((m) => m.payload.toString())).toEqual(['before']);
      await expect(t.publish(telemetry('d1'), Buffer.from('x'), { qos: 1 })).rejects.toBeInstanceOf(Error);
      await settle();
      expect(witness.seen.map((m) => m.payload.toString())).toEqual(['after']);
      await t.close(); // twice is harmless
      expect(offline).toBe(1);
    });

    it('refuses to publish before start', async () => {
      const t = make();
      await expect(t.publish(telemetry('d1'), Buffer.from('x'), { qos: 1 })).rejects.toBeInstanceOf(Error);
    });

    it('delivers 200 messages from one client in the order they were published', async () => {
      const t = make();
      const r = recorder();
      await t.route('outpost/v1/devices/+/telemetry', r.handler);
      await t.start();
      const pub = await client('publisher');
      const n = 200;
      await Promise.all(
        Array.from({ length: n }, (_, i) => pub.publishAsync(telemetry('d1'), Buffer.from(String(i)), { qos: 1 })),
      );
      await r.until(n);
      expect(r.seen.map((m) => Number(m.payload.toString()))).toEqual(Array.from({ length: n }, (_, i) => i));
    });

    it('carries a 200 KB binary payload intact, and a string payload as its UTF-8 bytes', async () => {
      const t = make();
      const r = recorder();
      await t.route('outpost/v1/devices/+/telemetry', r.handler);
      await t.start();
      const pub = await client('publisher');
      const big = randomBytes(200 * 1024);
      await pub.publishAsync(telemetry('d1'), big, { qos: 1 });
      await r.until(1);
      expect(r.seen[0]?.payload.equals(big)).toBe(true);

      const sub = await subscriber('sub', 'outpost/v1/devices/+/labels');
      const text = 'température → 21 °C ✓ 🌡';
      await t.publish(topics.device('d1', 'labels'), text, { qos: 1 });
      await sub.until(1);
      expect(sub.seen[0]?.payload.equals(Buffer.from(text, 'utf8'))).toBe(true);
    });
  });
}
