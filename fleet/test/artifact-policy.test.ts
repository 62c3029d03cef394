import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type OutpostError } from '@outpost/protocol';
import { createArtifactFetcher } from '@outpost/protocol/node';
import { startFleet, type Fleet } from '../src/fleet.ts';
import {
  fixedClock,
  gatewayTransport,
  newKeys,
  tempDir,
  writeFixtureArtifact,
  type FixtureArtifact,
} from './fixtures.ts';

/**
 * A registered artifact is served to a gateway only once it is in that gateway's desired state:
 * knowing (or guessing from the open broker) an artifact id is not enough to download it.
 */
describe('fleet artifact server: only assigned artifacts', () => {
  const keys = newKeys();
  let tmp: ReturnType<typeof tempDir>;
  let fleet: Fleet;
  let artifact: FixtureArtifact;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    tmp = tempDir();
    fleet = await startFleet({
      dataDir: join(tmp.dir, 'data'),
      port: 0,
      publicKeyPem: keys.publicKeyPem,
      clock: fixedClock,
    });
    artifact = writeFixtureArtifact(tmp.dir, keys);
    await fleet.registerArtifact(artifact.dir);
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
    await fleet.close();
    tmp.remove();
  });

  async function gatewayFetcher(id: string) {
    const t = gatewayTransport(join(tmp.dir, 'data'), fleet.brokerUrl, id);
    closers.push(() => t.close());
    const fetcher = await createArtifactFetcher({ transport: t, kind: 'gateways', selfId: id, chunkTimeoutMs: 2000 });
    await t.start();
    return fetcher;
  }

  it('refuses a registered but unassigned artifact, then serves it to the gateway it is assigned to only', async () => {
    const gw1 = await gatewayFetcher('gw1');
    const gw2 = await gatewayFetcher('gw2');
    const before = await gw1.fetch(artifact.artifactId, keys.publicKeyPem).catch((e: unknown) => e);
    expect((before as OutpostError).code).toBe(ErrorCodes.ARTIFACT_NOT_ASSIGNED);

    await fleet.assign('gw1', 'housing', 1, undefined, { allowUnknown: true }); // before gw1 ever reported
    const { bundle } = await gw1.fetch(artifact.artifactId, keys.publicKeyPem);
    expect(Buffer.compare(Buffer.from(bundle.files.get('model.onnx') ?? []), artifact.modelBytes)).toBe(0);
    const other = await gw2.fetch(artifact.artifactId, keys.publicKeyPem).catch((e: unknown) => e);
    expect((other as OutpostError).code).toBe(ErrorCodes.ARTIFACT_NOT_ASSIGNED);
  });
});
