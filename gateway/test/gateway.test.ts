import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  assignmentFor,
  encode,
  verifyDesiredState,
  topics,
  type DesiredState,
  type ReportedState,
  type TelemetryWindow,
} from '@outpost/protocol';
import { createArtifactFetcher } from '@outpost/protocol/node';
import { openSqliteStore, startGateway, type Gateway } from '../src/index.ts';
import {
  Resources,
  buildArtifact,
  client,
  collect,
  FLEET_INTENT_KEYS,
  convergingDevice,
  desiredFor,
  deviceReport,
  generateSigningKeyPair,
  publishDesired,
  roundTrip,
  startFleet,
  telemetry,
  tempDir,
  routeRelayedWindows,
  waitFor,
  type Fleet,
  type FixtureArtifact,
  deviceClient,
} from './helpers.ts';

const keys = generateSigningKeyPair();
let res: Resources;
let fleet: Fleet;
let big: FixtureArtifact;
let small: FixtureArtifact;
let dataDir: string;

beforeEach(async () => {
  res = new Resources();
  const artifacts = tempDir(res);
  big = buildArtifact(artifacts, keys, { name: 'fixture', version: 1, modelBytes: 300 * 1024 });
  small = buildArtifact(artifacts, keys, { name: 'canary', version: 2, modelBytes: 2000 });
  dataDir = tempDir(res);
  fleet = res.add(await startFleet(artifacts));
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
    }),
  );
}

const desired = (revision = 1): DesiredState =>
  desiredFor('gw1', revision, [
    { name: big.name, version: big.version, artifactId: big.artifactId },
    { name: small.name, version: small.version, artifactId: small.artifactId, devices: ['dev2'] },
  ]);

/** The device's side: the state verifies against the fleet intent key; the artifact id it assigns to `deviceId`. */
function verifyAndPick(value: unknown, deviceId: string): string | undefined {
  const state = value as DesiredState;
  verifyDesiredState(state, FLEET_INTENT_KEYS.publicKeyPem);
  return assignmentFor(state, deviceId)?.artifactId;
}

describe('gateway: cache and reconcile', () => {
  it('fetches each artifact once, serves it to every device and publishes each device its desired state', async () => {
    await publishDesired(fleet.transport, desired());
    const upReports = await collect(await client(res, fleet.broker.url, 'spy-up'), topics.gateway('gw1', 'reported'));
    const gw = await gateway();
    const dev1 = await convergingDevice(res, gw.localUrl, dataDir, 'dev1');
    const dev2 = await convergingDevice(res, gw.localUrl, dataDir, 'dev2');
    const dev3 = await convergingDevice(res, gw.localUrl, dataDir, 'dev3');

    await waitFor('artifacts cached and every device known', () => {
      const s = gw.status();
      return s.cachedArtifacts.length === 2 && s.devices.length === 3;
    });
    expect(gw.status().desiredRevision).toBe(1);
    expect(readFileSync(join(dataDir, 'artifacts', big.artifactId, 'model.onnx')).equals(big.model)).toBe(true);

    // Each device receives the fleet-signed state as it is, retained; it picks its own assignment.
    const got1 = await collect(dev1, topics.device('dev1', 'desired'));
    const got2 = await collect(dev2, topics.device('dev2', 'desired'));
    await waitFor('device desired states', () => got1.length > 0 && got2.length > 0);
    expect(got1.at(-1)?.value).toEqual(desired());
    expect(verifyAndPick(got2.at(-1)?.value, 'dev2')).toEqual(small.artifactId);
    expect(verifyAndPick(got1.at(-1)?.value, 'dev1')).toEqual(big.artifactId);

    // Both devices without an override fetch the big artifact from the gateway; the fleet served it once.
    for (const [t, id] of [
      [dev1, 'dev1'],
      [dev3, 'dev3'],
    ] as const) {
      const fetcher = await createArtifactFetcher({ transport: t, kind: 'devices', selfId: id });
      const { bundle } = await fetcher.fetch(big.artifactId, keys.publicKeyPem);
      expect(Buffer.from(bundle.files.get('model.onnx') as Uint8Array).equals(big.model)).toBe(true);
    }
    expect(fleet.reads.get(`${big.artifactId}/manifest.json`)).toBe(1);
    expect(fleet.reads.get(`${big.artifactId}/model.onnx`)).toBe(5); // 300 KiB in 64 KiB chunks
    expect(fleet.reads.get(`${small.artifactId}/manifest.json`)).toBe(1);

    // An artifact not in the device's desired state is not served (refused before any lookup).
    const fetcher = await createArtifactFetcher({ transport: dev1, kind: 'devices', selfId: 'dev1' });
    await expect(fetcher.fetch('0'.repeat(64), keys.publicKeyPem)).rejects.toMatchObject({
      code: ErrorCodes.ARTIFACT_NOT_ASSIGNED,
    });

    // The gateway reports itself upstream, retained, converged.
    await waitFor(
      'converged report',
      () => (upReports.at(-1)?.value as ReportedState | undefined)?.status === 'converged',
    );
    const report = upReports.at(-1)?.value as ReportedState;
    expect(report).toMatchObject({ source: 'gw1', kind: 'gateway', revision: 1, deviceCount: 3 });
    expect(report.models.map((m) => [m.artifactId, m.state])).toEqual([
      [big.artifactId, 'active'],
      [small.artifactId, 'active'],
    ]);
  });

  it('reconciles idempotently, follows new revisions and dead-letters a bad desired state', async () => {
    const upReports = await collect(await client(res, fleet.broker.url, 'spy-up'), topics.gateway('gw1', 'reported'));
    const gw = await gateway();
    const dev1 = await convergingDevice(res, gw.localUrl, dataDir, 'dev1');
    await waitFor('device known', () => gw.status().devices.length === 1);
    const got = await collect(dev1, topics.device('dev1', 'desired'));
    await publishDesired(fleet.transport, desired(1));
    await waitFor('revision 1 published', () => got.length === 1);
    const converged = (): boolean => (upReports.at(-1)?.value as ReportedState | undefined)?.status === 'converged';
    await waitFor('converged on revision 1', converged);
    const reportsBefore = upReports.length;
    await publishDesired(fleet.transport, desired(1));
    // The gateway answers the same desired state with a report and nothing else: once that report
    // is in and the site broker has forwarded all it had to dev1, no second desired state is there.
    await waitFor('the report answering the repeat', () => upReports.length > reportsBefore);
    await roundTrip(dev1);
    expect(got.map((g) => (g.value as DesiredState).revision)).toEqual([1]);
    expect(fleet.reads.get(`${big.artifactId}/manifest.json`)).toBe(1);

    await fleet.transport.publish(topics.gateway('gw1', 'desired'), 'not json', { qos: 1, retain: true });
    await fleet.transport.publish(topics.gateway('gw1', 'desired'), encode({ ...desired(9), target: 'gw2' }), {
      qos: 1,
      retain: true,
    }); // someone else's
    await waitFor('two dead letters', () => gw.status().deadLetters === 2);
    expect(gw.status().desiredRevision).toBe(1);

    await publishDesired(
      fleet.transport,
      desiredFor('gw1', 2, [{ name: small.name, version: small.version, artifactId: small.artifactId }]),
    );
    await waitFor('revision 2 published', () => got.length === 2);
    expect(got[1]?.value).toMatchObject({ target: 'gw1', revision: 2, models: [{ artifactId: small.artifactId }] });
    expect(gw.status().desiredRevision).toBe(2);
  });
});

describe('gateway: a failed fetch', () => {
  it('reports failed with the error, publishes nothing to devices, and converges once the artifact can be fetched', async () => {
    const upReports = await collect(await client(res, fleet.broker.url, 'spy-up'), topics.gateway('gw1', 'reported'));
    const gw = res.add(
      await startGateway({
        id: 'gw1',
        dataDir,
        upstreamUrl: fleet.broker.url,
        localPort: 0,
        publicKeyPem: keys.publicKeyPem,
        fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
        reconnectPeriodMs: 100,
        retryMs: 200,
      }),
    );
    const dev1 = await convergingDevice(res, gw.localUrl, dataDir, 'dev1');
    await waitFor('device known', () => gw.status().devices.length === 1);
    const got = await collect(dev1, topics.device('dev1', 'desired'));
    const unknown = 'e'.repeat(64);
    await publishDesired(fleet.transport, desiredFor('gw1', 1, [{ name: 'ghost', version: 1, artifactId: unknown }]));
    await waitFor('failed report', () => (upReports.at(-1)?.value as ReportedState | undefined)?.status === 'failed');
    const report = upReports.at(-1)?.value as ReportedState;
    expect(report.models[0]).toMatchObject({
      artifactId: unknown,
      state: 'failed',
      error: { code: ErrorCodes.ARTIFACT_NOT_FOUND },
    });
    await roundTrip(dev1); // all the site broker forwarded to dev1 before the failure report is in
    expect(got).toHaveLength(0);
    expect(gw.status().cachedArtifacts).toEqual([]);

    // The fleet fixes its desired state: the gateway converges on it.
    await publishDesired(
      fleet.transport,
      desiredFor('gw1', 2, [{ name: small.name, version: small.version, artifactId: small.artifactId }]),
    );
    await waitFor('converged on revision 2', () => got.length === 1);
    expect(got[0]?.value).toMatchObject({ revision: 2 });
    await waitFor(
      'converged report',
      () => (upReports.at(-1)?.value as ReportedState | undefined)?.status === 'converged',
    );
  });
});

describe('gateway: relay', () => {
  it('relays telemetry, reports and labels upstream with the gateway set; dead-letters bad ones and keeps going', async () => {
    const spy = await client(res, fleet.broker.url, 'spy-up');
    const up: { gateway: string; window: TelemetryWindow }[] = [];
    await routeRelayedWindows(spy, (window, gateway) => up.push({ gateway, window }));
    const upReported = await collect(spy, topics.all('devices', 'reported'));
    const upLabels = await collect(spy, topics.all('devices', 'labels'));
    const gw = await gateway();
    await waitFor('upstream connected', () => gw.status().upstreamConnected);
    const dev1 = await deviceClient(res, gw.localUrl, dataDir, 'dev1');
    const t = topics.device('dev1', 'telemetry');

    await dev1.publish(t, encode(telemetry('dev1', 0, big.artifactId)));
    await dev1.publish(t, 'not json {');
    const { errors: _drop, ...missing } = telemetry('dev1', 1, big.artifactId);
    await dev1.publish(t, encode(missing));
    await dev1.publish(t, encode(telemetry('dev2', 2, big.artifactId))); // claims another device
    await dev1.publish(t, encode(telemetry('dev1', 3, big.artifactId)));
    await dev1.publish(topics.device('dev1', 'reported'), encode(deviceReport('dev1')), { retain: true });
    await dev1.publish(
      topics.device('dev1', 'labels'),
      encode({ device: 'dev1', predictionId: 'p1', label: 3.5, at: '2026-02-01T10:02:00.000Z' }),
    );

    // At least once: a window may arrive twice (a re-send before the receipt); the fleet stores it once.
    const seqs = (): number[] => [...new Set(up.map((m) => m.window.seq))];
    await waitFor('good messages relayed', () => seqs().length === 2 && upReported.length >= 1 && upLabels.length >= 1);
    expect(seqs()).toEqual([0, 3]);
    // In batches on the gateway's own topic, which names it; each window as the device sent it.
    expect(up.every((m) => m.gateway === 'gw1' && m.window.device === 'dev1')).toBe(true);
    expect(upReported[0]?.value).toMatchObject({ source: 'dev1', gateway: 'gw1' });
    expect(upLabels[0]?.value).toEqual({
      device: 'dev1',
      gateway: 'gw1',
      predictionId: 'p1',
      label: 3.5,
      at: '2026-02-01T10:02:00.000Z',
    });
    await waitFor('outbox drained', () => gw.status().outboxDepth === 0);
    expect(gw.status()).toMatchObject({ relayed: 4, deadLetters: 3 });

    // The relayed report is retained upstream: a late subscriber gets it.
    const late = await collect(await client(res, fleet.broker.url, 'late'), topics.device('dev1', 'reported'));
    await waitFor('retained report', () => late.length === 1);

    const reader = openSqliteStore(dataDir);
    try {
      const letters = reader.listDeadLetters();
      expect(letters.map((l) => l.code).sort()).toEqual([
        ErrorCodes.NOT_JSON,
        ErrorCodes.SCHEMA_INVALID,
        ErrorCodes.TOPIC_MISMATCH,
      ]);
      expect(letters.find((l) => l.code === ErrorCodes.NOT_JSON)?.payload.toString()).toBe('not json {');
    } finally {
      reader.close();
    }
  });
});
