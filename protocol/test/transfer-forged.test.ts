import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  MANIFEST_FILE,
  OutpostError,
  encode,
  generateSigningKeyPair,
  sha256Hex,
  topics,
  type ArtifactChunk,
  type Transport,
} from '../src/index.ts';
import {
  createArtifactFetcher,
  createMqttTransport,
  isTransientTransferError,
  serveArtifacts,
} from '../src/node/index.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/node/embedded-broker.ts';
import { signedFixture } from './helpers.ts';

/**
 * The chunk fetcher facing a sender that lies: forged replies (found by subscribing to the
 * request topic, as any client of an open broker can) must not make it allocate what they
 * claim, parse what it has not checked, or fetch what an unchecked manifest lists.
 */

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.reverse()) await o.close();
  open.length = 0;
});

async function connect(broker: EmbeddedBroker, clientId: string): Promise<Transport> {
  const t = createMqttTransport({ url: broker.url, clientId, reconnectPeriodMs: 100 });
  open.push(t);
  return t;
}

interface Request {
  requestId: string;
  artifactId: string;
  file: string;
  index: number;
  chunkBytes: number;
}

/** A client answering every chunk request of gateway `gw-1` with whatever `answer` makes of it. */
async function startForger(
  broker: EmbeddedBroker,
  answer: (req: Request) => Omit<ArtifactChunk, 'requestId' | 'artifactId' | 'file' | 'index'> | undefined,
): Promise<Request[]> {
  const seen: Request[] = [];
  const t = await connect(broker, 'forger');
  await t.route(topics.all('gateways', 'artifactRequest'), async (_topic, payload) => {
    const req = JSON.parse(payload.toString()) as Request;
    seen.push(req);
    const body = answer(req);
    if (!body) return;
    await t.publish(
      topics.gateway('gw-1', 'artifactChunk'),
      encode({ requestId: req.requestId, artifactId: req.artifactId, file: req.file, index: req.index, ...body }),
      { qos: 1 },
    );
  });
  await t.start();
  return seen;
}

function chunkOf(data: Buffer, totalChunks: number, totalBytes: number, fileSha256: string) {
  return {
    totalChunks,
    totalBytes,
    fileSha256,
    chunkSha256: createHash('sha256').update(data).digest('hex'),
    data: data.toString('base64'),
  };
}

async function fetcherFor(broker: EmbeddedBroker) {
  const client = await connect(broker, 'gw-1');
  const fetcher = await createArtifactFetcher({
    transport: client,
    kind: 'gateways',
    selfId: 'gw-1',
    chunkBytes: 64 * 1024,
    chunkTimeoutMs: 300,
    attempts: 3,
  });
  await client.start();
  return fetcher;
}

describe('artifact fetcher against forged replies', () => {
  it('refuses a manifest reply claiming a million chunks after a bounded number of requests', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const f = signedFixture([{ path: 'model.onnx', bytes: randomBytes(100) }]);
    const block = randomBytes(64 * 1024);
    // Each chunk is self-consistent (its sha256 matches), the totals are absurd; answers stop at
    // 40 so that a fetcher that keeps asking ends on a timeout instead of running forever.
    const seen = await startForger(broker, (req) =>
      req.index < 40 ? chunkOf(block, 1_000_000, 64 * 1024 * 1_000_000, f.artifactId) : undefined,
    );
    const fetcher = await fetcherFor(broker);
    const err = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutpostError);
    expect((err as OutpostError).code).toBe(ErrorCodes.TRANSFER_INVALID);
    expect(isTransientTransferError(err)).toBe(true);
    expect(seen.length).toBeLessThanOrEqual(3);
  });

  it('checks the manifest against the artifact id before parsing it, and fetches nothing it lists', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const f = signedFixture([{ path: 'model.onnx', bytes: randomBytes(100) }]);
    const forged = Buffer.from(
      JSON.stringify({ files: [{ path: 'huge.bin', role: 'model', bytes: 1e9, sha256: '0'.repeat(64) }] }),
    );
    const huge = randomBytes(64 * 1024);
    const seen = await startForger(broker, (req) =>
      req.file === MANIFEST_FILE
        ? chunkOf(forged, 1, forged.byteLength, sha256Hex(forged))
        : chunkOf(huge, 1, huge.byteLength, sha256Hex(huge)),
    );
    const fetcher = await fetcherFor(broker);
    const err = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem).catch((e: unknown) => e);
    expect((err as OutpostError).code).toBe(ErrorCodes.HASH_MISMATCH);
    expect(isTransientTransferError(err)).toBe(true);
    expect(seen.every((r) => r.file === MANIFEST_FILE)).toBe(true);
  });

  it("bounds a file's chunks by its manifest entry", async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const model = randomBytes(1000);
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    const block = randomBytes(64 * 1024);
    const seen = await startForger(broker, (req) =>
      req.file === MANIFEST_FILE
        ? chunkOf(f.manifestBytes, 1, f.manifestBytes.byteLength, f.artifactId)
        : req.index < 40
          ? chunkOf(block, 1000, 64 * 1024 * 1000, sha256Hex(model))
          : undefined,
    );
    const fetcher = await fetcherFor(broker);
    const err = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem).catch((e: unknown) => e);
    expect((err as OutpostError).code).toBe(ErrorCodes.TRANSFER_INVALID);
    expect(isTransientTransferError(err)).toBe(true);
    expect(seen.filter((r) => r.file === 'model.onnx').length).toBeLessThanOrEqual(3);
  });

  it('refuses a reply for another index or file than the one asked for', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const f = signedFixture([{ path: 'model.onnx', bytes: randomBytes(100) }]);
    const t = await connect(broker, 'forger');
    await t.route(topics.all('gateways', 'artifactRequest'), async (_topic, payload) => {
      const req = JSON.parse(payload.toString()) as Request;
      await t.publish(
        topics.gateway('gw-1', 'artifactChunk'),
        encode({
          requestId: req.requestId,
          artifactId: req.artifactId,
          file: req.file,
          index: req.index + 7,
          ...chunkOf(f.manifestBytes, 1, f.manifestBytes.byteLength, f.artifactId),
        }),
        { qos: 1 },
      );
    });
    await t.start();
    const fetcher = await fetcherFor(broker);
    const err = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem).catch((e: unknown) => e);
    expect((err as OutpostError).code).toBe(ErrorCodes.TRANSFER_INVALID);
  });

  it('marks a genuine manifest that fails its signature as permanent, and a server error as transient', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const model = randomBytes(100);
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    const server = await connect(broker, 'server');
    await serveArtifacts({
      transport: server,
      kind: 'gateways',
      read: async (id, file) =>
        id !== f.artifactId
          ? undefined
          : file === MANIFEST_FILE
            ? f.manifestBytes
            : file === 'model.onnx'
              ? model
              : undefined,
    });
    await server.start();
    const fetcher = await fetcherFor(broker);
    const wrongKey = generateSigningKeyPair().publicKeyPem;
    const bad = await fetcher.fetch(f.artifactId, wrongKey).catch((e: unknown) => e);
    expect((bad as OutpostError).code).toBe(ErrorCodes.SIGNATURE_INVALID);
    expect(isTransientTransferError(bad)).toBe(false);
    const missing = await fetcher.fetch('1'.repeat(64), f.keys.publicKeyPem).catch((e: unknown) => e);
    expect((missing as OutpostError).code).toBe(ErrorCodes.ARTIFACT_NOT_FOUND);
    expect(isTransientTransferError(missing)).toBe(true);
    const { bundle } = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem);
    expect(Buffer.compare(Buffer.from(bundle.files.get('model.onnx') as Uint8Array), model)).toBe(0);
  });
});
