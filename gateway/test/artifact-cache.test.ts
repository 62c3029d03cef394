import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMqttTransport } from '@outpost/protocol/node';
import { createArtifactCache } from '../src/artifact-cache.ts';
import { createMemoryStore } from '../src/store/memory-store.ts';
import { Resources, buildArtifact, generateSigningKeyPair, startFleet, tempDir } from './helpers.ts';
import { ErrorCodes } from '@outpost/protocol';

const keys = generateSigningKeyPair();
const res = new Resources();
afterEach(async () => {
  await res.closeAll();
});

describe('artifact cache', () => {
  it('shares one fetch between concurrent ensure() calls, writes atomically and serves only listed files', async () => {
    const root = tempDir(res);
    const art = buildArtifact(root, keys, { name: 'fixture', version: 1, modelBytes: 150 * 1024 });
    const fleet = res.add(await startFleet(root));
    const dataDir = tempDir(res);
    const store = res.add(createMemoryStore());
    const upstream = res.add(createMqttTransport({ url: fleet.broker.url, clientId: 'gw-c1', clean: true }));
    const cache = await createArtifactCache({
      dataDir,
      store,
      upstream,
      gatewayId: 'c1',
      publicKeyPem: keys.publicKeyPem,
    });
    await upstream.start();

    const [a, b, c] = await Promise.all([
      cache.ensure(art.artifactId),
      cache.ensure(art.artifactId),
      cache.ensure(art.artifactId),
    ]);
    expect(a).toEqual(b);
    expect(b).toEqual(c);
    expect(cache.fetches).toBe(1);
    expect(fleet.reads.get(`${art.artifactId}/manifest.json`)).toBe(1);
    await cache.ensure(art.artifactId);
    expect(cache.fetches).toBe(1);
    expect(store.getArtifact(art.artifactId)).toMatchObject({ name: 'fixture', version: 1 });
    // No temporary folder is left behind.
    expect(readdirSync(join(dataDir, 'artifacts'))).toEqual([art.artifactId]);

    expect(Buffer.from((await cache.read(art.artifactId, 'model.onnx')) as Uint8Array).equals(art.model)).toBe(true);
    expect(Buffer.from((await cache.read(art.artifactId, 'manifest.json')) ?? []).toString('utf8')).toBe(
      readFileSync(join(art.dir, 'manifest.json'), 'utf8'),
    );
    expect(await cache.read(art.artifactId, 'gateway.db')).toBeUndefined();
    expect(await cache.read(art.artifactId, '../gateway.db')).toBeUndefined();
    expect(await cache.read('f'.repeat(64), 'manifest.json')).toBeUndefined();

    // A file gone from disk makes the artifact not cached: the next ensure fetches it again.
    rmSync(join(dataDir, 'artifacts', art.artifactId, 'card.md'));
    expect(await cache.has(art.artifactId)).toBe(false);
    await cache.ensure(art.artifactId);
    expect(cache.fetches).toBe(2);
    expect(existsSync(join(dataDir, 'artifacts', art.artifactId, 'card.md'))).toBe(true);
  });

  it('refuses an artifact whose signature is not the pinned key', async () => {
    const root = tempDir(res);
    const art = buildArtifact(root, generateSigningKeyPair(), { name: 'rogue', version: 1, modelBytes: 1000 });
    const fleet = res.add(await startFleet(root));
    const dataDir = tempDir(res);
    const store = res.add(createMemoryStore());
    const upstream = res.add(createMqttTransport({ url: fleet.broker.url, clientId: 'gw-c2', clean: true }));
    const cache = await createArtifactCache({
      dataDir,
      store,
      upstream,
      gatewayId: 'c2',
      publicKeyPem: keys.publicKeyPem,
    });
    await upstream.start();
    await expect(cache.ensure(art.artifactId)).rejects.toMatchObject({ code: ErrorCodes.SIGNATURE_INVALID });
    expect(store.listArtifacts()).toEqual([]);
    expect(existsSync(join(dataDir, 'artifacts', art.artifactId))).toBe(false);
  });
});
