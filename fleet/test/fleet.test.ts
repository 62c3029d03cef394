import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  DesiredState,
  decode,
  encode,
  isOutpostError,
  topics,
  verifyDesiredState,
  type Transport,
} from '@outpost/protocol';
import { createArtifactFetcher } from '@outpost/protocol/node';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { FleetErrorCodes } from '../src/errors.ts';
import { startFleet, type Fleet } from '../src/fleet.ts';
import {
  fixedClock,
  fixtureWindow,
  gatewayTransport,
  newKeys,
  tempDir,
  writeFixtureArtifact,
  type FixtureArtifact,
} from './fixtures.ts';
import { waitFor } from './wait.ts';

/** Subscribes a fresh client to a gateway's desired topic and returns the first (retained) state it gets. */
async function readDesired(url: string, gatewayId: string, fleetDataDir: string): Promise<DesiredState> {
  const t = gatewayTransport(fleetDataDir, url, gatewayId);
  let got: DesiredState | undefined;
  await t.route(topics.gateway(gatewayId, 'desired'), (_topic, payload) => {
    got = decode(DesiredState, payload, 'desired');
  });
  try {
    await t.start();
    return await waitFor(() => got, `retained desired state of ${gatewayId}`);
  } finally {
    await t.close();
  }
}

/** Assign before the gateway ever connected (pre-provisioning): these tests run no gateway. */
const PRE = { allowUnknown: true };

describe('fleet service', () => {
  const keys = newKeys();
  let tmp: ReturnType<typeof tempDir>;
  let fleet: Fleet;
  let artifact: FixtureArtifact;

  // Each test gets its own fleet, so none depends on what another registered or assigned.
  beforeEach(async () => {
    tmp = tempDir();
    fleet = await startFleet({
      dataDir: join(tmp.dir, 'data'),
      port: 0,
      publicKeyPem: keys.publicKeyPem,
      clock: fixedClock,
    });
    artifact = writeFixtureArtifact(tmp.dir, keys);
  });
  afterEach(async () => {
    await fleet.close();
    tmp.remove();
  });

  it('registers an artifact through the service', async () => {
    expect(await fleet.registerArtifact(artifact.dir)).toEqual({
      artifactId: artifact.artifactId,
      name: 'housing',
      version: 1,
    });
  });

  it('publishes a retained desired state that a client subscribing later receives', async () => {
    await fleet.registerArtifact(artifact.dir);
    const first = await fleet.assign('gw1', 'housing', 1, undefined, PRE);
    const { signature, ...body } = first;
    expect(body).toEqual({
      target: 'gw1',
      revision: 1,
      issuedAt: '2025-01-01T00:00:00.000Z',
      models: [{ name: 'housing', version: 1, artifactId: artifact.artifactId }],
    });
    expect(signature?.alg).toBe('ed25519');
    verifyDesiredState(first, fleet.intentPublicKeyPem); // signed with the fleet's intent key
    expect(await readDesired(fleet.brokerUrl, 'gw1', join(tmp.dir, 'data'))).toEqual(first);

    const second = await fleet.assign('gw1', 'housing', 1, ['dev2', 'dev1'], PRE);
    expect(second.revision).toBe(2);
    expect(second.models).toEqual([
      { name: 'housing', version: 1, artifactId: artifact.artifactId },
      { name: 'housing', version: 1, artifactId: artifact.artifactId, devices: ['dev1', 'dev2'] },
    ]);
    expect(await readDesired(fleet.brokerUrl, 'gw1', join(tmp.dir, 'data'))).toEqual(second);
    expect(fleet.store.getDesired('gw1')).toEqual(second);
  });

  it('refuses to assign an unregistered version or a bad id', async () => {
    await fleet.registerArtifact(artifact.dir);
    await fleet.assign('gw1', 'housing', 1, undefined, PRE);
    await expect(fleet.assign('gw1', 'housing', 9, undefined, PRE)).rejects.toSatisfy((e) =>
      isOutpostError(e, FleetErrorCodes.VERSION_NOT_REGISTERED),
    );
    await expect(fleet.assign('gw/1', 'housing', 1, undefined, PRE)).rejects.toSatisfy((e) =>
      isOutpostError(e, ErrorCodes.ID_INVALID),
    );
    expect(fleet.store.getDesired('gw1')?.revision).toBe(1);
  });

  it('serves a registered artifact to a gateway fetcher, byte-identical', async () => {
    await fleet.registerArtifact(artifact.dir);
    await fleet.assign('gw1', 'housing', 1, undefined, PRE); // the fleet serves a gateway only what it is assigned
    const gw: Transport = gatewayTransport(join(tmp.dir, 'data'), fleet.brokerUrl, 'gw1');
    try {
      const fetcher = await createArtifactFetcher({
        transport: gw,
        kind: 'gateways',
        selfId: 'gw1',
        chunkTimeoutMs: 2000,
        attempts: 2,
      });
      await gw.start();
      const { manifest, bundle } = await fetcher.fetch(artifact.artifactId, keys.publicKeyPem);
      expect(manifest.name).toBe('housing');
      expect(Buffer.compare(Buffer.from(bundle.manifestBytes), readFileSync(join(artifact.dir, 'manifest.json')))).toBe(
        0,
      );
      expect(Buffer.compare(Buffer.from(bundle.files.get('model.onnx') ?? []), artifact.modelBytes)).toBe(0);
      expect(
        Buffer.compare(Buffer.from(bundle.files.get('card.md') ?? []), readFileSync(join(artifact.dir, 'card.md'))),
      ).toBe(0);

      // An artifact not in gw1's desired state is refused before the fleet looks for it.
      await expect(fetcher.fetch('e'.repeat(64), keys.publicKeyPem)).rejects.toSatisfy((e) =>
        isOutpostError(e, ErrorCodes.ARTIFACT_NOT_ASSIGNED),
      );
    } finally {
      await gw.close();
    }
  });

  it('reports drift of the latest version over ingested windows', async () => {
    await fleet.registerArtifact(artifact.dir);
    const dev = gatewayTransport(join(tmp.dir, 'data'), fleet.brokerUrl, 'drift-relay');
    await dev.start();
    try {
      await dev.publish(
        topics.device('dev1', 'telemetry'),
        encode(
          fixtureWindow('dev1', 0, {
            gateway: 'drift-relay', // the window names the gateway that relays it
            artifactId: artifact.artifactId,
            x: [250, 250, 250, 250],
            color: [500, 500, 0],
            pred: [500, 500],
          }),
        ),
      );
      await dev.publish(
        topics.device('dev2', 'telemetry'),
        encode(
          fixtureWindow('dev2', 0, { gateway: 'drift-relay', artifactId: artifact.artifactId, x: [0, 100, 400, 1500] }),
        ),
      );
      await waitFor(() => fleet.store.countTelemetry() === 2, 'windows stored');
    } finally {
      await dev.close();
    }
    const dev1 = fleet.drift('housing', { device: 'dev1' });
    expect(dev1.features.every((f) => f.status === 'ok')).toBe(true);
    const dev2 = fleet.drift('housing', { device: 'dev2' });
    expect(dev2.features[0]).toMatchObject({ feature: 'x', status: 'major' });
    expect(fleet.drift('housing').windows).toBe(2);
    expect(() => fleet.drift('unknown')).toThrow(expect.objectContaining({ code: FleetErrorCodes.UNKNOWN_MODEL }));
  });
});

describe('fleet on an external broker', () => {
  it('uses the broker URL, and republishes stored desired states on start', async () => {
    const tmp = tempDir();
    const broker = await startEmbeddedBroker({ port: 0 });
    const keys = newKeys();
    const dataDir = join(tmp.dir, 'data');
    try {
      const first = await startFleet({
        dataDir,
        brokerUrl: broker.url,
        publicKeyPem: keys.publicKeyPem,
        clock: fixedClock,
      });
      let state: DesiredState;
      try {
        expect(first.brokerUrl).toBe(broker.url);
        const a = writeFixtureArtifact(tmp.dir, keys, 'occupancy', 3);
        await first.registerArtifact(a.dir);
        state = await first.assign('site-7', 'occupancy', 3, undefined, PRE);
      } finally {
        await first.close();
      }
      // A new broker (lost retained messages); the restarted fleet publishes from its store.
      const broker2 = await startEmbeddedBroker({ port: 0 });
      try {
        const second = await startFleet({
          dataDir,
          brokerUrl: broker2.url,
          publicKeyPem: keys.publicKeyPem,
          clock: fixedClock,
        });
        try {
          expect(await readDesired(broker2.url, 'site-7', dataDir)).toEqual(state);
        } finally {
          await second.close();
        }
      } finally {
        await broker2.close();
      }
    } finally {
      await broker.close();
      tmp.remove();
    }
  });

  it('refuses a key that is not an ed25519 public key before opening anything', async () => {
    const tmp = tempDir();
    try {
      await expect(startFleet({ dataDir: tmp.dir, port: 0, publicKeyPem: 'nope' })).rejects.toSatisfy((e) =>
        isOutpostError(e, ErrorCodes.KEY_INVALID),
      );
    } finally {
      tmp.remove();
    }
  });
});
