import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryWindow, generateSigningKeyPair, topics, validate, type SigningKeyPair } from '@outpost/protocol';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { CsvReplaySource, startDevice, type Device } from '../src/index.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, waitFor, type FakeGateway } from './helpers/fake-gateway.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';

describe('device telemetry over a real broker', () => {
  let root: string;
  let keys: SigningKeyPair;
  let v1: FixtureArtifact;
  let gw: FakeGateway;
  let deadUrl: string;
  const open: Device[] = [];

  const windowsOf = (id: string): TelemetryWindow[] =>
    gw.telemetry
      .filter((t) => t.topic === topics.device(id, 'telemetry'))
      .map((t) => validate(TelemetryWindow, t.payload, 'telemetry window'));

  const start = async (id: string, dataDir: string, clock: FakeClock, brokerUrl = gw.broker.url): Promise<Device> => {
    const d = await startDevice({
      id,
      dataDir,
      brokerUrl,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      clock,
      windowRows: 3,
      windowMs: 10_000,
    });
    open.push(d);
    return d;
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-telemetry-'));
    keys = generateSigningKeyPair();
    v1 = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 1);
    gw = await startFakeGateway(path.join(root, 'artifacts'));
    const dead = await startEmbeddedBroker({ port: 0 });
    deadUrl = dead.url;
    await dead.close();
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });
  afterAll(async () => {
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('closes windows by rows, by flush and by time; seq increases by 1; outbox resent after a restart', async () => {
    const id = 'tele-1';
    const dataDir = mkdtempSync(path.join(root, 'dev-'));
    const clock = new FakeClock();
    const d = await start(id, dataDir, clock);
    await gw.publishDesired(id, 1, [v1]);
    await d.waitForModel();

    for (let i = 0; i < 7; i++) await d.predict([{ x: i - 1, c: ['a', 'b', 'zzz'][i % 3] as string }]);
    const flushed = await d.flushTelemetry();
    expect(flushed).toBe(3);
    expect(await d.flushTelemetry()).toBeUndefined(); // nothing open

    await d.predict([{ x: null, c: 'c' }]);
    clock.advance(9_999);
    await d.predict([{ x: 0.5, c: 'a' }]);
    clock.advance(1); // windowMs since the window opened
    await waitFor('4 windows', () => windowsOf(id).length >= 4);
    const windows = windowsOf(id);
    expect(windows.map((w) => w.seq)).toEqual([1, 2, 3, 4]);
    expect(windows.map((w) => w.rows)).toEqual([3, 3, 1, 2]);
    expect(
      windows.every((w) => w.model === 'tiny' && w.version === 1 && w.artifactId === v1.artifactId && w.device === id),
    ).toBe(true);
    expect(windows[0]?.features.c).toEqual({ kind: 'categorical', counts: [1, 1, 0], missing: 0, unseen: 1 });
    expect(windows[3]?.features.x).toMatchObject({ kind: 'numeric', missing: 1 });
    await waitFor('outbox drained', () => d.stats().outboxDepth === 0);
    expect(d.stats()).toMatchObject({ predictions: 9, windowsSent: 4, lastSeq: 4, outboxDepth: 0 });
    await d.close();

    // Broker unreachable: the window goes to the outbox and waits.
    const offline = await start(id, dataDir, clock, deadUrl);
    await offline.predict([
      { x: 1, c: 'b' },
      { x: 2, c: 'c' },
    ]);
    await offline.close();
    expect(readdirSync(path.join(dataDir, 'outbox'))).toEqual(['5.json']);
    // A corrupted outbox file is kept aside with its reason, not sent and not deleted.
    writeFileSync(path.join(dataDir, 'outbox', '3.json'), '{"truncated');

    const back = await start(id, dataDir, clock);
    await waitFor('window 5', () => windowsOf(id).some((w) => w.seq === 5));
    const w5 = windowsOf(id).find((w) => w.seq === 5);
    expect(w5?.rows).toBe(2);
    await waitFor('outbox empty', () => back.stats().outboxDepth === 0);
    expect(existsSync(path.join(dataDir, 'outbox', '5.json'))).toBe(false);
    expect(readdirSync(path.join(dataDir, 'dead-letter')).sort()).toEqual(['outbox-3.json', 'outbox-3.reason.txt']);
    expect(windowsOf(id).filter((w) => w.seq === 3)).toHaveLength(1); // the original seq 3, sent once before
    await back.predict([{ x: 1, c: 'a' }]);
    expect(await back.flushTelemetry()).toBe(6);
  });

  it('replays a CSV through the predictor, paced by the clock', async () => {
    const id = 'tele-2';
    const clock = new FakeClock();
    const d = await start(id, mkdtempSync(path.join(root, 'dev-')), clock);
    await gw.publishDesired(id, 1, [v1]);
    await d.waitForModel();
    const csv = path.join(root, 'rows.csv');
    writeFileSync(csv, 'x,c,target\n1,a,12\n,b,20\n2.5,"c",35\n-1,,0\n');

    expect(await d.replay(new CsvReplaySource({ path: csv }))).toBe(4);
    expect(await d.replay(new CsvReplaySource({ path: csv, loop: true }), { limit: 10 })).toBe(10);

    const seen: unknown[] = [];
    const paced = new CsvReplaySource({
      path: csv,
      rate: 2,
      clock,
      transform: (r) => ({ x: r.x ?? null, c: r.c ?? null }),
    });
    const it = paced[Symbol.asyncIterator]();
    seen.push((await it.next()).value);
    const second = it.next();
    let done = false;
    void second.then(() => (done = true));
    // Rate 2 rows/s: the second row waits on a 500 ms timer of the injected clock.
    await waitFor('the paced source to schedule its next row', () => clock.dueIn().includes(500));
    clock.advance(499);
    await new Promise((r) => setImmediate(r)); // every pending reaction runs
    expect(done).toBe(false);
    clock.advance(1);
    seen.push((await second).value);
    expect(seen).toEqual([
      { x: 1, c: 'a' },
      { x: null, c: 'b' },
    ]);
    await paced.close();
    expect((await it.next()).done).toBe(true);
    expect(d.stats().predictions).toBe(14);
  });
});
