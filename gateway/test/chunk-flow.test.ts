import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ArtifactChunkResponse, decode, encode, silentLogger, topics, type Transport } from '@outpost/protocol';
import { createMqttTransport, serveArtifacts } from '@outpost/protocol/node';
import { startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';
import { GatewayErrorCodes } from '../src/errors.ts';
import { flowControlChunks, type ChunkFlowOptions } from '../src/transfer/chunk-flow.ts';

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

async function setup(limits: ChunkFlowOptions) {
  broker = await startEmbeddedBroker({ port: 0, maxPacketBytes: 4 * 1024 * 1024 });
  const server = createMqttTransport({ url: broker.url, clientId: `srv-${randomUUID()}` });
  const client = createMqttTransport({ url: broker.url, clientId: `cli-${randomUUID()}` });
  transports.push(client, server);
  const counted = counting(server);
  const flow = flowControlChunks(counted.transport, { ...limits, logger: silentLogger });
  await serveArtifacts({
    transport: flow.transport,
    kind: 'devices',
    read: async () => {
      await new Promise((r) => setImmediate(r));
      return FILE_BYTES;
    },
  });
  const replies: ArtifactChunkResponse[] = [];
  const askedBy = new Map<string, string>();
  const misdelivered: string[] = [];
  await client.route(topics.all('devices', 'artifactChunk'), (topic, payload) => {
    const reply = decode(ArtifactChunkResponse, payload, 'reply', 4 * 1024 * 1024);
    if (topic !== topics.device(askedBy.get(reply.requestId) ?? '?', 'artifactChunk')) misdelivered.push(topic);
    replies.push(reply);
  });
  await server.start();
  await client.start();
  const ask = (device: string, index: number): Promise<void> => {
    const requestId = randomUUID();
    askedBy.set(requestId, device);
    return client.publish(
      topics.device(device, 'artifactRequest'),
      encode({ requestId, artifactId: ARTIFACT, file: 'model.onnx', index, chunkBytes: 16 * 1024 }),
      { qos: 1 },
    );
  };
  return { flow, replies, ask, peak: counted.peak, misdelivered };
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gateway chunk reply flow control', () => {
  it('200 devices asking at once never have more than maxInFlight replies outstanding; all are answered', async () => {
    const { replies, ask, peak, misdelivered } = await setup({ maxInFlight: 8, perDevice: 2, maxQueued: 1000 });
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

  it('beyond the queue bound a request is refused with a coded busy reply advising a wait, never dropped', async () => {
    const { flow, replies, ask, peak, misdelivered } = await setup({
      maxInFlight: 2,
      perDevice: 1,
      maxQueued: 10,
      retryAfterMs: 500,
    });
    const asks: Promise<void>[] = [];
    for (let d = 0; d < 60; d++) asks.push(ask(`device-${d}`, 0));
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
      expect(r.error.code).toBe(GatewayErrorCodes.TRANSFER_BUSY);
      expect(r.retryAfterMs).toBeGreaterThanOrEqual(500);
      expect(r.retryAfterMs).toBeLessThanOrEqual(750);
    }
    expect(peak()).toBeLessThanOrEqual(2);
    expect(flow.stats().peakQueued).toBeLessThanOrEqual(10);
    expect(flow.stats().refused).toBe(busy.length);
  });
});
