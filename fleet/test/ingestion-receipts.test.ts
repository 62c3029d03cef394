/**
 * Receipts and senders (docs/ARCHITECTURE.md "Telemetry"): the fleet receipts what it stored to
 * the gateway that relayed it, only after the write; it accepts a device's messages only through
 * the gateway the device belongs to, so forged windows cannot shadow real ones; a write that fails
 * is not receipted. Real aedes (the fleet's embedded broker), real SQLite.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Receipt, decode, encode, topics, type ReceiptItem, type Transport } from '@outpost/protocol';
import { FleetErrorCodes } from '../src/errors.ts';
import { FLEET_DB_FILE, startFleet, type Fleet } from '../src/fleet.ts';
import { fixedClock, fixtureWindow, gatewayTransport, makeReadOnly, newKeys, tempDir } from './fixtures.ts';
import { waitFor } from './wait.ts';
import { ErrorCodes } from '@outpost/protocol';
import { startEmbeddedBroker } from '@outpost/protocol/broker';

let tmp: ReturnType<typeof tempDir>;
let fleet: Fleet;
let clients: Transport[];

beforeEach(async () => {
  tmp = tempDir();
  fleet = await startFleet({ dataDir: tmp.dir, port: 0, publicKeyPem: newKeys().publicKeyPem, clock: fixedClock });
  clients = [];
});
afterEach(async () => {
  for (const c of clients) await c.close();
  await fleet.close();
  tmp.remove();
});

/** A client standing in for a gateway (or an attacker): collects the receipts sent to `gatewayId`. */
async function gatewayClient(gatewayId: string): Promise<{ t: Transport; receipts: ReceiptItem[] }> {
  const t = gatewayTransport(tmp.dir, fleet.brokerUrl, gatewayId);
  const receipts: ReceiptItem[] = [];
  await t.route(topics.gateway(gatewayId, 'acks'), (_topic, payload) => {
    receipts.push(...decode(Receipt, payload, 'receipt').items);
  });
  await t.start();
  clients.push(t);
  return { t, receipts };
}

const seqsOf = (fleet: Fleet, device: string): number[] =>
  fleet.store.telemetryWindows({ model: 'housing', device }).map((w) => w.seq);

describe('fleet receipts', () => {
  it('receipts stored and duplicate windows, labels and device reports to the relaying gateway', async () => {
    const gw = await gatewayClient('gw1');
    const send = (leaf: 'telemetry' | 'labels' | 'reported', payload: Buffer): Promise<void> =>
      gw.t.publish(topics.device('dev1', leaf), payload, { qos: 1 });
    await send('telemetry', encode(fixtureWindow('dev1', 1)));
    await send('telemetry', encode(fixtureWindow('dev1', 2)));
    await send('telemetry', encode(fixtureWindow('dev1', 1)));
    const at = '2025-01-01T00:00:00.000Z';
    await send('labels', encode({ device: 'dev1', gateway: 'gw1', predictionId: 'p1', label: 1, at }));
    await send(
      'reported',
      encode({ source: 'dev1', kind: 'device', gateway: 'gw1', revision: -1, at, status: 'idle', models: [] }),
    );
    await waitFor(() => gw.receipts.length === 5, 'five receipts');
    expect(gw.receipts).toEqual([
      { kind: 'telemetry', device: 'dev1', seq: 1, outcome: 'stored' },
      { kind: 'telemetry', device: 'dev1', seq: 2, outcome: 'stored' },
      { kind: 'telemetry', device: 'dev1', seq: 1, outcome: 'duplicate' },
      { kind: 'label', device: 'dev1', predictionId: 'p1', outcome: 'stored' },
      { kind: 'reported', source: 'dev1', at, outcome: 'stored' },
    ]);
  });

  it('does not receipt a window it could not write, and receipts it once the store is writable again', async () => {
    const gw = await gatewayClient('gw1');
    await gw.t.publish(topics.device('dev1', 'telemetry'), encode(fixtureWindow('dev1', 1)), { qos: 1 });
    await waitFor(() => gw.receipts.length === 1, 'first receipt');
    const db = join(tmp.dir, FLEET_DB_FILE);
    const undo = makeReadOnly([db, `${db}-wal`, tmp.dir]);
    try {
      await gw.t.publish(topics.device('dev1', 'telemetry'), encode(fixtureWindow('dev1', 2)), { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      expect(gw.receipts).toHaveLength(1);
    } finally {
      undo();
    }
    // The gateway sends it again (its outbox still holds it): stored and receipted now.
    await gw.t.publish(topics.device('dev1', 'telemetry'), encode(fixtureWindow('dev1', 2)), { qos: 1 });
    await waitFor(() => gw.receipts.length === 2, 'receipt after the store recovered');
    expect(gw.receipts[1]).toEqual({ kind: 'telemetry', device: 'dev1', seq: 2, outcome: 'stored' });
    expect(seqsOf(fleet, 'dev1')).toEqual([1, 2]);
  });
});

describe('forged telemetry cannot shadow a device', () => {
  it('dead-letters forged windows with seqs ahead of a device, and stores every real window', async () => {
    // The embedded broker already refuses a gateway publishing for another gateway's device
    // (docs/SECURITY.md "Broker access"); an external broker such as mosquitto cannot, so the fleet
    // checks again. Played here by a broker without that rule.
    await fleet.close();
    const external = await startEmbeddedBroker({ port: 0 });
    fleet = await startFleet({
      dataDir: tmp.dir,
      brokerUrl: external.url,
      publicKeyPem: newKeys().publicKeyPem,
      clock: fixedClock,
    });
    clients.push({ close: () => external.close() } as unknown as Transport);
    const real = await gatewayClient('gw1');
    const forger = await gatewayClient('gw2');
    // dev1 is first seen through gw1: it belongs to gw1.
    await real.t.publish(topics.device('dev1', 'telemetry'), encode(fixtureWindow('dev1', 1)), { qos: 1 });
    await waitFor(() => seqsOf(fleet, 'dev1').length === 1, 'first real window');
    // One client's messages are handled in order: once its sentinel is stored, all before it were handled.
    const sentinel = async (c: Transport, gateway: string, seq: number): Promise<void> => {
      const w = fixtureWindow('sentinel', seq, { gateway });
      await c.publish(topics.device('sentinel', 'telemetry'), encode(w), { qos: 1 });
      await waitFor(() => seqsOf(fleet, 'sentinel').includes(seq), 'the sentinel window');
    };

    const forged: { topic: string; payload: Buffer; code: string }[] = [];
    for (let seq = 2; seq <= 31; seq++) {
      // Through another gateway …
      forged.push({
        topic: topics.device('dev1', 'telemetry'),
        payload: encode(fixtureWindow('dev1', seq, { gateway: 'gw2', x: [1000, 0, 0, 0] })),
        code: FleetErrorCodes.DEVICE_NOT_ON_GATEWAY,
      });
      // … naming no gateway …
      forged.push({
        topic: topics.device('dev1', 'telemetry'),
        payload: encode(fixtureWindow('dev1', seq, { gateway: null, x: [1000, 0, 0, 0] })),
        code: FleetErrorCodes.RELAY_MISSING,
      });
      // … or on another device's topic.
      forged.push({
        topic: topics.device('dev9', 'telemetry'),
        payload: encode(fixtureWindow('dev1', seq, { x: [1000, 0, 0, 0] })),
        code: ErrorCodes.TOPIC_MISMATCH,
      });
    }
    const before = fleet.store.countDeadLetters();
    for (const f of forged) await forger.t.publish(f.topic, f.payload, { qos: 1 });
    await sentinel(forger.t, 'gw2', 1);
    const codes = fleet.store
      .deadLetters()
      .slice(before)
      .map((l) => l.code);
    expect(codes).toEqual(forged.map((f) => f.code));

    for (let seq = 2; seq <= 31; seq++)
      await real.t.publish(topics.device('dev1', 'telemetry'), encode(fixtureWindow('dev1', seq)), { qos: 1 });
    await sentinel(real.t, 'gw2', 2);
    expect(seqsOf(fleet, 'dev1')).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    // What is stored is the real windows, not the forged ones.
    const stored = fleet.store.telemetryWindows({ model: 'housing', device: 'dev1' });
    expect(stored.every((w) => w.gateway === 'gw1' && w.features.x?.kind === 'numeric')).toBe(true);
    expect(stored.map((w) => (w.features.x?.kind === 'numeric' ? w.features.x.bins[0] : -1))).toEqual(
      new Array(31).fill(25),
    );
    await waitFor(() => real.receipts.length === 31, 'every real window receipted');
    expect(real.receipts.every((r) => r.outcome === 'stored')).toBe(true);
    expect(forger.receipts.filter((r) => r.kind === 'telemetry' && r.device === 'dev1')).toEqual([]);
    expect(fleet.store.deviceGateway('dev1')).toBe('gw1');
  });
});
