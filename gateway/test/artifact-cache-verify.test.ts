import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, encode, topics, type OutpostError } from '@outpost/protocol';
import { createArtifactFetcher } from '@outpost/protocol/node';
import { startGateway, type Gateway } from '../src/index.ts';
import {
  Resources,
  buildArtifact,
  FLEET_INTENT_KEYS,
  desiredFor,
  deviceReport,
  generateSigningKeyPair,
  publishDesired,
  startFleet,
  tempDir,
  waitFor,
  type Fleet,
  type FixtureArtifact,
  deviceClient,
} from './helpers.ts';

/**
 * The site cache serves only what it can vouch for: each device gets only its own assigned
 * artifacts, and a cached file that no longer matches its manifest is fetched again from the
 * fleet instead of being served.
 */
const keys = generateSigningKeyPair();
let res: Resources;
let fleet: Fleet;
let shared: FixtureArtifact;
let onlyDev1: FixtureArtifact;
let dataDir: string;

beforeEach(async () => {
  res = new Resources();
  const artifacts = tempDir(res);
  shared = buildArtifact(artifacts, keys, { name: 'fixture', version: 1, modelBytes: 150 * 1024 });
  onlyDev1 = buildArtifact(artifacts, keys, { name: 'canary', version: 2, modelBytes: 2000 });
  dataDir = tempDir(res);
  fleet = res.add(await startFleet(artifacts));
  await publishDesired(
    fleet.transport,
    desiredFor('gw1', 1, [
      { name: shared.name, version: shared.version, artifactId: shared.artifactId },
      { name: onlyDev1.name, version: onlyDev1.version, artifactId: onlyDev1.artifactId, devices: ['dev1'] },
    ]),
  );
});
afterEach(async () => {
  await res.closeAll();
});

async function gateway(): Promise<Gateway> {
  return res.add(
    await startGateway({
      id: 'gw1',
      dataDir,
      upstreamUrl: fleet.broker.url,
      localPort: 0,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      reconnectPeriodMs: 100,
      chunkTimeoutMs: 1000,
    }),
  );
}

async function deviceFetcher(gw: Gateway, id: string) {
  const t = await deviceClient(res, gw.localUrl, dataDir, id);
  await t.publish(topics.device(id, 'reported'), encode(deviceReport(id)), { retain: true });
  return createArtifactFetcher({ transport: t, kind: 'devices', selfId: id, chunkTimeoutMs: 3000, attempts: 2 });
}

const reads = (a: FixtureArtifact, file: string): number => fleet.reads.get(`${a.artifactId}/${file}`) ?? 0;

describe('gateway artifact cache: verified and assigned', () => {
  it("serves a device only the artifacts in that device's desired state", async () => {
    const gw = await gateway();
    await waitFor('both cached', () => gw.status().cachedArtifacts.length === 2);
    const dev1 = await deviceFetcher(gw, 'dev1');
    const dev2 = await deviceFetcher(gw, 'dev2');
    const refused = await dev2.fetch(onlyDev1.artifactId, keys.publicKeyPem).catch((e: unknown) => e);
    expect((refused as OutpostError).code).toBe(ErrorCodes.ARTIFACT_NOT_ASSIGNED);
    const { bundle } = await dev1.fetch(onlyDev1.artifactId, keys.publicKeyPem);
    expect(Buffer.from(bundle.files.get('model.onnx') as Uint8Array).equals(onlyDev1.model)).toBe(true);
    const both = await dev2.fetch(shared.artifactId, keys.publicKeyPem);
    expect(Buffer.from(both.bundle.files.get('model.onnx') as Uint8Array).equals(shared.model)).toBe(true);
  });

  it('re-fetches a cached file whose bytes changed on disk (same size) instead of serving it', async () => {
    const gw = await gateway();
    await waitFor('both cached', () => gw.status().cachedArtifacts.length === 2);
    expect(reads(shared, 'model.onnx')).toBe(3); // 150 KiB in 64 KiB chunks
    const dev2 = await deviceFetcher(gw, 'dev2'); // dev2 has no override: the site-wide artifact is its
    await dev2.fetch(shared.artifactId, keys.publicKeyPem);

    const onDisk = join(dataDir, 'artifacts', shared.artifactId, 'model.onnx');
    const damaged = readFileSync(onDisk);
    damaged[1000] = (damaged[1000] as number) ^ 0x40;
    writeFileSync(onDisk, damaged);

    const { bundle } = await dev2.fetch(shared.artifactId, keys.publicKeyPem);
    expect(Buffer.from(bundle.files.get('model.onnx') as Uint8Array).equals(shared.model)).toBe(true);
    expect(reads(shared, 'model.onnx')).toBe(6); // fetched once more from the fleet
    expect(readFileSync(onDisk).equals(shared.model)).toBe(true); // and repaired on disk
  });

  it('a restarted gateway re-fetches a cached manifest that still parses but is not the artifact', async () => {
    const first = await gateway();
    await waitFor('both cached', () => first.status().cachedArtifacts.length === 2);
    await first.close();
    const onDisk = join(dataDir, 'artifacts', onlyDev1.artifactId, 'manifest.json');
    const genuine = readFileSync(onDisk);
    // Same size, still valid JSON and schema: only its sha256 (the artifact id) tells.
    const damaged = Buffer.from(genuine.toString().replace('"source":"test"', '"source":"tesT"'));
    expect(damaged.equals(genuine)).toBe(false);
    writeFileSync(onDisk, damaged);

    const gw = await gateway();
    await waitFor('manifest fetched again', () => reads(onlyDev1, 'manifest.json') === 2);
    const onDiskNow = (): Buffer | undefined => {
      try {
        return readFileSync(onDisk);
      } catch {
        return undefined; // between the old folder's removal and the new one's rename
      }
    };
    await waitFor('repaired on disk', () => onDiskNow()?.equals(genuine) === true);
    const dev1 = await deviceFetcher(gw, 'dev1');
    const { manifest } = await dev1.fetch(onlyDev1.artifactId, keys.publicKeyPem);
    expect(manifest.trainingData.source).toBe('test');
  });
});
