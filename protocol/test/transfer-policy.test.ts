import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, MANIFEST_FILE, OutpostError, type Logger, type Transport } from '../src/index.ts';
import { createArtifactFetcher, createMqttTransport, serveArtifacts } from '../src/node/index.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/node/embedded-broker.ts';
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

/** A logger that keeps every warning's fields. */
function recordingLogger(warnings: Record<string, unknown>[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields: Record<string, unknown>) => void warnings.push(fields),
    error: () => {},
    child: () => logger,
  } as unknown as Logger;
  return logger;
}

describe('artifact server policy', () => {
  it('answers only the askers the policy grants the artifact, and logs each refusal with its code', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const model = randomBytes(2000);
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    const readers: string[] = [];
    const warnings: Record<string, unknown>[] = [];
    const server = await connect(broker, 'server');
    await serveArtifacts({
      transport: server,
      kind: 'gateways',
      logger: recordingLogger(warnings),
      mayFetch: (asker, artifactId) => asker === 'gw-1' && artifactId === f.artifactId,
      read: async (id, file) => {
        readers.push(file);
        return id === f.artifactId ? (file === MANIFEST_FILE ? f.manifestBytes : model) : undefined;
      },
    });
    await server.start();
    const fetcherOf = async (id: string) => {
      const t = await connect(broker, id);
      const fetcher = await createArtifactFetcher({ transport: t, kind: 'gateways', selfId: id, attempts: 2 });
      await t.start();
      return fetcher;
    };
    const stranger = await fetcherOf('gw-2');
    const err = await stranger.fetch(f.artifactId, f.keys.publicKeyPem).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutpostError);
    expect((err as OutpostError).code).toBe(ErrorCodes.ARTIFACT_NOT_ASSIGNED);
    expect(readers).toEqual([]); // refused before anything was read
    expect(warnings.some((w) => w.code === ErrorCodes.ARTIFACT_NOT_ASSIGNED && w.requester === 'gw-2')).toBe(true);

    const owner = await fetcherOf('gw-1');
    const { bundle } = await owner.fetch(f.artifactId, f.keys.publicKeyPem);
    expect(Buffer.compare(Buffer.from(bundle.files.get('model.onnx') as Uint8Array), model)).toBe(0);
  });

  it('announces the sha256 of the bytes it serves now, not of an earlier read of the same file', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    open.push(broker);
    const model = randomBytes(2000);
    const f = signedFixture([{ path: 'model.onnx', bytes: model }]);
    let served: Buffer = Buffer.from(model);
    served[5] = (served[5] as number) ^ 1; // a damaged copy first, then the repaired one
    const server = await connect(broker, 'server');
    await serveArtifacts({
      transport: server,
      kind: 'gateways',
      read: async (_id, file) => (file === MANIFEST_FILE ? f.manifestBytes : Buffer.from(served)),
    });
    await server.start();
    const t = await connect(broker, 'gw-1');
    const fetcher = await createArtifactFetcher({ transport: t, kind: 'gateways', selfId: 'gw-1', attempts: 2 });
    await t.start();
    const first = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem).catch((e: unknown) => e);
    expect((first as OutpostError).code).toBe(ErrorCodes.HASH_MISMATCH);
    served = model;
    const { bundle } = await fetcher.fetch(f.artifactId, f.keys.publicKeyPem);
    expect(Buffer.compare(Buffer.from(bundle.files.get('model.onnx') as Uint8Array), model)).toBe(0);
  });
});
