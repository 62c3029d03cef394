import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isOutpostError, MANIFEST_FILE, topics } from '../src/index.ts';
import { createArtifactFetcher, createMqttTransport, serveArtifacts } from '../src/node/index.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/node/embedded-broker.ts';
import type { Transport } from '../src/index.ts';
import { signedFixture } from './helpers.ts';

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

describe('artifact transfer over a real broker', () => {
  it('moves a multi-chunk artifact byte-identical and verifies it', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const model = randomBytes(300 * 1024);
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    let reads = 0;
    const server = await connect(broker, 'server');
    await serveArtifacts({
      transport: server,
      kind: 'gateways',
      read: async (id, file) => {
        reads++;
        if (id !== f.artifactId) return undefined;
        return file === MANIFEST_FILE ? f.manifestBytes : file === 'model.onnx' ? model : undefined;
      },
    });
    await server.start();
    const client = await connect(broker, 'gw-1');
    const fetcher = await createArtifactFetcher({
      transport: client,
      kind: 'gateways',
      selfId: 'gw-1',
      chunkBytes: 64 * 1024,
    });
    await client.start();
    const { manifest, bundle } = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem);
    expect(manifest.version).toBe(1);
    expect(Buffer.compare(Buffer.from(bundle.files.get('model.onnx') as Uint8Array), model)).toBe(0);
    expect(reads).toBe(1 + 5); // manifest in one chunk, 300 KiB in five 64 KiB chunks
  });

  it('fails with the server error code for an unknown artifact, and on a tampered file', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const model = randomBytes(1000);
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    const tampered = Buffer.from(model);
    tampered[10] = (tampered[10] as number) ^ 1;
    const server = await connect(broker, 'server');
    await serveArtifacts({
      transport: server,
      kind: 'devices',
      read: async (id, file) => (id !== f.artifactId ? undefined : file === MANIFEST_FILE ? f.manifestBytes : tampered),
    });
    await server.start();
    const client = await connect(broker, 'd1');
    const fetcher = await createArtifactFetcher({ transport: client, kind: 'devices', selfId: 'd1' });
    await client.start();
    await expect(fetcher.fetch('0'.repeat(64), f.keys.publicKeyPem)).rejects.toMatchObject({
      code: ErrorCodes.ARTIFACT_NOT_FOUND,
    });
    const err = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem).catch((e: unknown) => e);
    expect(isOutpostError(err, ErrorCodes.HASH_MISMATCH)).toBe(true);
  });

  it('resumes when the broker restarts mid-transfer', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    const port = broker.port;
    const model = randomBytes(200 * 1024);
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    let served = 0;
    let restarted: EmbeddedBroker | undefined;
    let restarting: Promise<void> | undefined;
    const server = createMqttTransport({ url: broker.url, clientId: 'server', reconnectPeriodMs: 50 });
    open.push(server);
    await serveArtifacts({
      transport: server,
      kind: 'gateways',
      read: async (_id, file) => {
        if (file === 'model.onnx' && ++served === 2 && !restarting) {
          // Kill the broker between the second chunk's request and its reply.
          restarting = broker.close().then(async () => {
            restarted = await startEmbeddedBroker({ port });
          });
          await restarting;
        }
        return file === MANIFEST_FILE ? f.manifestBytes : model;
      },
    });
    await server.start();
    const client = createMqttTransport({ url: broker.url, clientId: 'gw-2', reconnectPeriodMs: 50 });
    open.push(client);
    const fetcher = await createArtifactFetcher({
      transport: client,
      kind: 'gateways',
      selfId: 'gw-2',
      chunkTimeoutMs: 300,
      chunkBytes: 64 * 1024,
    });
    await client.start();
    const { bundle } = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem);
    expect(Buffer.compare(Buffer.from(bundle.files.get('model.onnx') as Uint8Array), model)).toBe(0);
    expect(restarted).toBeDefined();
    open.push(restarted as EmbeddedBroker);
  });

  it('redelivers retained state to a late subscriber', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const pub = await connect(broker, 'fleet');
    await pub.start();
    await pub.publish(topics.gateway('g1', 'desired'), '{"r":1}', { retain: true });
    const sub = await connect(broker, 'g1');
    const got = new Promise<string>(
      (resolve) => void sub.route(topics.gateway('g1', 'desired'), (_t, p) => resolve(p.toString())),
    );
    await sub.start();
    expect(await got).toBe('{"r":1}');
  });
});
