import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, encode, topics, type DesiredState, type Transport } from '@outpost/protocol';
import { createArtifactFetcher } from '@outpost/protocol/node';
import { startGateway, type Gateway } from '../src/index.ts';
import {
  Resources,
  buildArtifact,
  closedPort,
  collect,
  FLEET_INTENT_KEYS,
  desiredFor,
  deviceReport,
  generateSigningKeyPair,
  publishDesired,
  startFleet,
  telemetry,
  tempDir,
  relayedWindows,
  waitFor,
  type FixtureArtifact,
  deviceClient,
  deviceTransport,
} from './helpers.ts';

const keys = generateSigningKeyPair();
let res: Resources;
let artifactsRoot: string;
let art: FixtureArtifact;
let dataDir: string;

beforeEach(() => {
  res = new Resources();
  artifactsRoot = tempDir(res);
  art = buildArtifact(artifactsRoot, keys, { name: 'fixture', version: 1, modelBytes: 200 * 1024 });
  dataDir = tempDir(res);
});
afterEach(async () => {
  await res.closeAll();
});

async function gateway(upstreamUrl: string): Promise<Gateway> {
  return res.add(
    await startGateway({
      id: 'gw1',
      dataDir,
      upstreamUrl,
      localPort: 0,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      reconnectPeriodMs: 100,
    }),
  );
}

/** Telemetry seqs arriving at a broker, seen by the broker itself (no subscriber to race). */
function seqsArriving(broker: {
  aedes: {
    on(event: 'publish', fn: (packet: { topic: string; payload: Buffer | string }, client: unknown) => void): unknown;
  };
}): number[] {
  const seqs: number[] = [];
  broker.aedes.on('publish', (packet, from) => {
    if (from && packet.topic === topics.gateway('gw1', 'telemetry'))
      for (const w of relayedWindows(packet.topic, Buffer.from(packet.payload)).windows)
        if (w.device === 'dev1') seqs.push(w.seq);
  });
  return seqs;
}

describe('gateway: store and forward', () => {
  it('queues telemetry while the fleet is away and delivers all of it exactly once when it is back', async () => {
    const fleet = res.add(await startFleet(artifactsRoot));
    const port = fleet.broker.port;
    const gw = await gateway(fleet.broker.url);
    await waitFor('upstream connected', () => gw.status().upstreamConnected);
    await fleet.close();
    await waitFor('upstream lost', () => !gw.status().upstreamConnected);

    const dev1 = await deviceClient(res, gw.localUrl, dataDir, 'dev1');
    for (let seq = 0; seq < 30; seq++)
      await dev1.publish(topics.device('dev1', 'telemetry'), encode(telemetry('dev1', seq, art.artifactId)));
    await waitFor('30 queued', () => gw.status().outboxDepth === 30);
    expect(gw.status()).toMatchObject({ outboxDepth: 30, relayed: 0, upstreamConnected: false });

    const back = res.add(await startFleet(artifactsRoot, port));
    const seqs = seqsArriving(back.broker);
    await waitFor('all delivered', () => gw.status().outboxDepth === 0 && seqs.length >= 30);
    expect(gw.status().relayed).toBe(30);

    // The relay carries on live once reconnected. The outbox sends in order, so when the live
    // window has arrived every queued one has too, each first sent in order. (An entry whose receipt
    // is late — a loaded machine — is sent again after 5 s: the fleet stores by (device, seq), so a
    // repeat at the broker is not a second delivery.)
    await dev1.publish(topics.device('dev1', 'telemetry'), encode(telemetry('dev1', 30, art.artifactId)));
    await waitFor('live message', () => seqs.includes(30));
    expect([...new Set(seqs)]).toEqual(Array.from({ length: 31 }, (_, i) => i));
    await waitFor('the live message receipted', () => gw.status().relayed === 31);
  });

  it('re-sends what was queued before a restart', async () => {
    const port = await closedPort();
    const first = res.add(
      await startGateway({
        id: 'gw1',
        dataDir,
        upstreamUrl: `mqtt://127.0.0.1:${port}`,
        localPort: 0,
        publicKeyPem: keys.publicKeyPem,
        fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
        reconnectPeriodMs: 100,
      }),
    );
    const dev1 = createDevice(first.localUrl);
    await dev1.start();
    for (let seq = 0; seq < 5; seq++)
      await dev1.publish(topics.device('dev1', 'telemetry'), encode(telemetry('dev1', seq, art.artifactId)));
    await waitFor('5 queued', () => first.status().outboxDepth === 5);
    await dev1.close();
    await first.close();

    const fleet = res.add(await startFleet(artifactsRoot, port));
    const seqs = seqsArriving(fleet.broker);
    const second = await gateway(fleet.broker.url);
    await waitFor('re-sent', () => second.status().outboxDepth === 0 && seqs.length === 5);
    expect(seqs).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('gateway: restart with the fleet away', () => {
  it('serves its cached artifact and desired state from its data dir, and a tampered file is refused by devices', async () => {
    // 1. Online: cache the artifact and learn about dev1.
    const fleet = res.add(await startFleet(artifactsRoot));
    const desired: DesiredState = desiredFor('gw1', 3, [
      { name: art.name, version: art.version, artifactId: art.artifactId },
    ]);
    await publishDesired(fleet.transport, desired);
    const online = res.add(
      await startGateway({
        id: 'gw1',
        dataDir,
        upstreamUrl: fleet.broker.url,
        localPort: 0,
        publicKeyPem: keys.publicKeyPem,
        fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      }),
    );
    const d = createDevice(online.localUrl);
    await d.start();
    await d.publish(topics.device('dev1', 'reported'), encode(deviceReport('dev1')), { retain: true });
    await waitFor(
      'cached and device known',
      () => online.status().cachedArtifacts.length === 1 && online.status().devices.length === 1,
    );
    await d.close();
    await online.close();
    await fleet.close();

    // 2. Restarted with the fleet down: startGateway resolves, devices are served from the cache.
    const port = await closedPort();
    const offline = await startGateway({
      id: 'gw1',
      dataDir,
      upstreamUrl: `mqtt://127.0.0.1:${port}`,
      localPort: 0,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
    });
    try {
      expect(offline.status()).toMatchObject({
        upstreamConnected: false,
        desiredRevision: 3,
        devices: ['dev1'],
        cachedArtifacts: [art.artifactId],
      });
      const dev1 = await deviceClient(res, offline.localUrl, dataDir, 'dev1');
      const got = await collect(dev1, topics.device('dev1', 'desired'));
      await waitFor('retained desired state', () => got.length === 1);
      expect(got[0]?.value).toEqual(desired); // the fleet-signed state, as the gateway stored it
      const fetcher = await createArtifactFetcher({ transport: dev1, kind: 'devices', selfId: 'dev1' });
      const { bundle } = await fetcher.fetch(art.artifactId, keys.publicKeyPem);
      expect(Buffer.from(bundle.files.get('model.onnx') as Uint8Array).equals(art.model)).toBe(true);
    } finally {
      await offline.close();
    }

    // 3. A cached file changed on disk (same size): the gateway no longer serves it (it fails its
    // sha256); with the fleet away it cannot be fetched again, so the request is refused.
    const cached = join(dataDir, 'artifacts', art.artifactId, 'model.onnx');
    const bytes = readFileSync(cached);
    bytes[1000] = (bytes[1000] as number) ^ 0xff;
    writeFileSync(cached, bytes);
    const tampered = await gateway(`mqtt://127.0.0.1:${port}`);
    const dev1 = await deviceClient(res, tampered.localUrl, dataDir, 'dev1');
    const fetcher = await createArtifactFetcher({ transport: dev1, kind: 'devices', selfId: 'dev1' });
    await expect(fetcher.fetch(art.artifactId, keys.publicKeyPem)).rejects.toMatchObject({
      code: ErrorCodes.ARTIFACT_READ_FAILED,
    });
  });
});

/** A device client the test closes itself (before restarting the gateway), and `res` again if it fails first. */
function createDevice(url: string): Transport {
  return res.add(deviceTransport(url, dataDir, 'dev1'));
}
