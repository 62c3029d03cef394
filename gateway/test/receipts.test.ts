/**
 * The relay's receipts (docs/ARCHITECTURE.md "Telemetry"): an outbox entry is deleted on the
 * fleet's receipt, never on the broker's PUBACK, and re-sent until receipted; a device's window is
 * receipted to it once written, a duplicate too, and stored once. Real aedes brokers, real SQLite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Receipt, decode, encode, topics, type ReceiptItem, type TelemetryWindow } from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { startGateway, type Gateway } from '../src/index.ts';
import { createRelay } from '../src/relay.ts';
import { createMemoryStore } from '../src/store/memory-store.ts';
import {
  Resources,
  buildArtifact,
  client,
  routeRelayedWindows,
  generateSigningKeyPair,
  startFleet,
  telemetry,
  tempDir,
  waitFor,
  deviceClient,
  type FixtureArtifact,
} from './helpers.ts';

const keys = generateSigningKeyPair();
let res: Resources;
let art: FixtureArtifact;
let artifactsRoot: string;

beforeEach(() => {
  res = new Resources();
  artifactsRoot = tempDir(res);
  art = buildArtifact(artifactsRoot, keys, { name: 'fixture', version: 1, modelBytes: 1024 });
});
afterEach(async () => {
  await res.closeAll();
});

/** The data dir of the last gateway `gateway()` started (its device credentials live there). */
let gwDir: string;

async function gateway(upstreamUrl: string): Promise<Gateway> {
  gwDir = tempDir(res);
  return res.add(
    await startGateway({
      id: 'gw1',
      dataDir: gwDir,
      upstreamUrl,
      localPort: 0,
      publicKeyPem: keys.publicKeyPem,
      reconnectPeriodMs: 100,
      resendMs: 300,
    }),
  );
}

describe('gateway receipts', () => {
  it('keeps what the fleet broker acknowledged but the fleet did not receipt, and re-sends it until it does', async () => {
    const fleet = res.add(await startFleet(artifactsRoot));
    fleet.receipting = false;
    const arrivals: number[] = [];
    // Watched by a client of its own (one subscription per client: each delivery counted once).
    const watcher = await client(res, fleet.broker.url, 'watcher');
    await routeRelayedWindows(watcher, (w) => {
      if (w.device === 'dev1') arrivals.push(w.seq);
    });
    const gw = await gateway(fleet.broker.url);
    await waitFor('upstream connected', () => gw.status().upstreamConnected);
    const dev1 = await deviceClient(res, gw.localUrl, gwDir, 'dev1');
    for (let seq = 1; seq <= 5; seq++)
      await dev1.publish(topics.device('dev1', 'telemetry'), encode(telemetry('dev1', seq, art.artifactId)));
    // Delivered (PUBACKed by the broker) and more than once, yet kept: nobody receipted them.
    await waitFor('each re-sent', () =>
      [1, 2, 3, 4, 5].every((seq) => arrivals.filter((s) => s === seq).length >= 2),
    ).catch(() => {
      throw new Error(`arrivals ${JSON.stringify(arrivals)}, status ${JSON.stringify(gw.status())}`);
    });
    expect(gw.status()).toMatchObject({ outboxDepth: 5, relayed: 0 });

    fleet.receipting = true;
    await waitFor('receipted and deleted', () => gw.status().outboxDepth === 0);
    expect(gw.status().relayed).toBe(5);
  });

  it('receipts a window to its device once written, and a duplicate too, storing it once', async () => {
    const fleet = res.add(await startFleet(artifactsRoot));
    fleet.receipting = false;
    const gw = await gateway(fleet.broker.url);
    const dev1 = await deviceClient(res, gw.localUrl, gwDir, 'dev1');
    const receipts: ReceiptItem[] = [];
    await dev1.route(topics.device('dev1', 'acks'), (_t, payload) => {
      receipts.push(...decode(Receipt, payload, 'receipt').items);
    });
    const send = (seq: number): Promise<void> =>
      dev1.publish(topics.device('dev1', 'telemetry'), encode(telemetry('dev1', seq, art.artifactId)));
    await send(1);
    await send(2);
    await send(1);
    await send(4);
    await send(4);
    await waitFor('five receipts', () => receipts.length === 5);
    expect(receipts.map((r) => (r.kind === 'telemetry' ? `${r.seq}:${r.outcome}` : r.kind))).toEqual([
      '1:stored',
      '2:stored',
      '1:duplicate',
      '4:stored',
      '4:duplicate',
    ]);
    expect(gw.status().outboxDepth).toBe(3);
  });
});

describe('gateway relay in flight', () => {
  it('parks entries the fleet keeps refusing, so the rest of the outbox still flows', async () => {
    const upBroker = res.add(await startEmbeddedBroker({ port: 0 }));
    const siteBroker = res.add(await startEmbeddedBroker({ port: 0 }));
    const upstream = res.add(createMqttTransport({ url: upBroker.url, clientId: 'gw-park', clean: true }));
    const local = res.add(createMqttTransport({ url: siteBroker.url, clientId: 'gw-park-local', clean: true }));
    const store = createMemoryStore();
    const relay = await createRelay({
      gatewayId: 'gw1',
      store,
      local,
      upstream,
      deadLetter: () => undefined,
      resendMs: 50,
      maxResendMs: 100,
      maxInFlight: 2,
    });
    res.add({ close: () => relay.stop() });
    await upstream.start();
    await local.start();
    // A fleet that receipts dev-ok's windows and never dev-bad's.
    const fleet = await client(res, upBroker.url, 'fleet-park');
    await routeRelayedWindows(fleet, (w) => {
      if (w.device !== 'dev-ok') return;
      const receipt = {
        from: 'fleet',
        at: new Date().toISOString(),
        items: [{ kind: 'telemetry', device: w.device, seq: w.seq, outcome: 'stored' }],
      };
      void fleet.publish(topics.gateway('gw1', 'acks'), encode(receipt));
    });
    const bad = await client(res, siteBroker.url, 'dev-bad');
    const ok = await client(res, siteBroker.url, 'dev-ok');
    for (let seq = 1; seq <= 3; seq++)
      await bad.publish(topics.device('dev-bad', 'telemetry'), encode(telemetry('dev-bad', seq, art.artifactId)));
    await waitFor('the refused windows queued', () => store.outboxDepth() === 3);
    for (let seq = 1; seq <= 3; seq++)
      await ok.publish(topics.device('dev-ok', 'telemetry'), encode(telemetry('dev-ok', seq, art.artifactId)));
    await waitFor('the rest receipted', () => relay.relayed === 3);
    expect(store.peekOutbox().map((e) => (JSON.parse(e.payload.toString()) as TelemetryWindow).device)).toEqual([
      'dev-bad',
      'dev-bad',
      'dev-bad',
    ]);
  });
});
