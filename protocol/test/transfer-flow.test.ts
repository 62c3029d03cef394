import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ArtifactChunkResponse,
  ErrorCodes,
  decode,
  encode,
  topics,
  type NodeKind,
  type Transport,
} from '../src/index.ts';
import { createMqttTransport, serveArtifacts, type ArtifactFlowOptions } from '../src/node/index.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/node/embedded-broker.ts';

const ARTIFACT = 'a'.repeat(64);
const FILE_BYTES = new Uint8Array(64 * 1024).fill(7);

/** The server side's transport, counting chunk replies (with data) whose publish has not completed yet. */
function counting(inner: Transport): { transport: Transport; peak: () => number } {
  let open = 0;
  let peak = 0;
  const transport: Transport = Object.create(inner) as Transport;
  transport.publish = async (topic, payload, opts) => {
    if (!payload.toString().includes('"data"')) return inner.publish(topic, payload, opts);
    open++;
    peak = Math.max(peak, open);
    try {
      await inner.publish(topic, payload, opts);
    } finally {
      open--;
    }
  };
  return { transport, peak: () => peak };
}

let broker: EmbeddedBroker | undefined;
const transports: Transport[] = [];
afterEach(async () => {
  for (const t of transports.splice(0)) await t.close();
  await broker?.close();
  broker = undefined;
});

/** Where a server of `kind` answers an asker: a gateway answers devices, the fleet gateways. */
const replyTopic = (kind: NodeKind, id: string): string =>
  kind === 'gateways' ? topics.gateway(id, 'artifactChunk') : topics.device(id, 'artifactChunk');

async function setup(limits: ArtifactFlowOptions | undefined, kind: NodeKind = 'devices') {
  broker = await startEmbeddedBroker({ port: 0, maxPacketBytes: 4 * 1024 * 1024 });
  const server = createMqttTransport({ url: broker.url, clientId: `srv-${randomUUID()}` });
  const client = createMqttTransport({ url: broker.url, clientId: `cli-${randomUUID()}` });
  transports.push(client, server);
  const counted = counting(server);
  let reading = 0;
  let peakReading = 0;
  const flow = await serveArtifacts({
    transport: counted.transport,
    kind,
    read: async () => {
      reading++;
      peakReading = Math.max(peakReading, reading);
      await new Promise((r) => setTimeout(r, 5));
      reading--;
      return FILE_BYTES;
    },
    ...(limits ? { flow: limits } : {}),
  });
  const replies: ArtifactChunkResponse[] = [];
  const askedBy = new Map<string, string>();
  const misdelivered: string[] = [];
  await client.route(topics.all(kind, 'artifactChunk'), (topic, payload) => {
    const reply = decode(ArtifactChunkResponse, payload, 'reply', 4 * 1024 * 1024);
    if (topic !== replyTopic(kind, askedBy.get(reply.requestId) ?? '?')) misdelivered.push(topic);
    replies.push(reply);
  });
  await server.start();
  await client.start();
  const ask = (asker: string, index: number): Promise<void> => {
    const requestId = randomUUID();
    askedBy.set(requestId, asker);
    return client.publish(
      kind === 'gateways' ? topics.gateway(asker, 'artifactRequest') : topics.device(asker, 'artifactRequest'),
      encode({ requestId, artifactId: ARTIFACT, file: 'model.onnx', index, chunkBytes: 16 * 1024 }),
      { qos: 1 },
    );
  };
  return { flow, replies, ask, peak: counted.peak, peakReading: () => peakReading, misdelivered };
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('artifact server flow control', () => {
  it('200 devices asking at once never have more than maxInFlight replies outstanding; all are answered', async () => {
    const { replies, ask, peak, misdelivered } = await setup({ maxInFlight: 8, perAsker: 2, maxQueued: 1000 });
    const asks: Promise<void>[] = [];
    for (let d = 0; d < 200; d++) for (let i = 0; i < 2; i++) asks.push(ask(`device-${d}`, i));
    await Promise.all(asks);
    await until(() => replies.length >= 400);
    expect(replies.every((r) => !('error' in r))).toBe(true);
    expect(new Set(replies.map((r) => r.requestId)).size).toBe(400);
    expect(misdelivered).toEqual([]);
    // The total bound is what binds (two per device would allow 400).
    expect(peak()).toBeGreaterThan(2);
    expect(peak()).toBeLessThanOrEqual(8);
  });

  it.each(['devices', 'gateways'] as const)(
    'beyond the queue bound a request from %s is refused with a coded busy reply advising a wait, never dropped',
    async (kind) => {
      const { flow, replies, ask, peak, misdelivered } = await setup(
        {
          maxInFlight: 2,
          perAsker: 1,
          maxQueued: 10,
          retryAfterMs: 500,
        },
        kind,
      );
      const asks: Promise<void>[] = [];
      for (let d = 0; d < 60; d++) asks.push(ask(`node-${d}`, 0));
      await Promise.all(asks);
      await until(() => replies.length >= 60);
      await new Promise((r) => setTimeout(r, 200));
      expect(replies).toHaveLength(60);
      expect(misdelivered).toEqual([]);
      const busy = replies.filter((r) => 'error' in r);
      const served = replies.filter((r) => !('error' in r));
      expect(busy.length).toBeGreaterThan(0);
      expect(served.length).toBeGreaterThanOrEqual(11); // the queue (10) and at least one running
      for (const r of busy) {
        if (!('error' in r)) continue;
        expect(r.error.code).toBe(ErrorCodes.TRANSFER_BUSY);
        expect(r.retryAfterMs).toBeGreaterThanOrEqual(500);
        expect(r.retryAfterMs).toBeLessThanOrEqual(750);
      }
      expect(peak()).toBeLessThanOrEqual(2);
      expect(flow.stats().peakQueued).toBeLessThanOrEqual(10);
      expect(flow.stats().refused).toBe(busy.length);
    },
  );

  it('is on by default: 100 gateways asking the fleet at once get at most 32 replies worked on together', async () => {
    const { replies, ask, peakReading, flow } = await setup(undefined, 'gateways');
    const asks: Promise<void>[] = [];
    for (let g = 0; g < 100; g++) asks.push(ask(`gateway-${g}`, 0));
    await Promise.all(asks);
    await until(() => replies.length >= 100);
    expect(replies.every((r) => !('error' in r))).toBe(true);
    expect(peakReading()).toBeGreaterThan(2);
    expect(peakReading()).toBeLessThanOrEqual(32);
    expect(flow.stats().peakInFlight).toBeLessThanOrEqual(32);
  });

  it("a request asked again while its first copy waits takes that copy's place: one reply for that chunk", async () => {
    const { replies, ask, flow } = await setup({ maxInFlight: 1, perAsker: 1, maxQueued: 10 });
    await Promise.all([ask('busy-device', 0), ask('busy-device', 1), ask('busy-device', 1)]);
    await until(() => replies.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(replies.map((r) => r.index).sort()).toEqual([0, 1]);
    expect(flow.stats().peakQueued).toBe(1);
  });

  it('takes a limit given as undefined as its default, and answers', async () => {
    const { replies, ask } = await setup({ maxInFlight: undefined, perAsker: undefined, maxQueued: undefined });
    await Promise.all([ask('device-1', 0), ask('device-2', 0)]);
    await until(() => replies.length >= 2);
    expect(replies.every((r) => !('error' in r))).toBe(true);
  });
});
