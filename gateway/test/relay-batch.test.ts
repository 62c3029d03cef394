/**
 * The relay's batched outbox writes (docs/ARCHITECTURE.md "Telemetry"): windows several devices sent
 * together are written in one transaction, and each device is receipted only after it committed;
 * a commit that fails receipts nothing; a fleet receipt deletes its entries in one statement.
 * Real aedes brokers, a real SQLite gateway.db wrapped to record what the relay asks of it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_BYTES,
  MAX_TELEMETRY_BATCH,
  MAX_TELEMETRY_BATCH_BYTES,
  Receipt,
  TelemetryBatch,
  decode,
  encode,
  topics,
  type TelemetryWindow,
} from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { createRelay, type Relay } from '../src/relay.ts';
import { telemetryBatches } from '../src/telemetry-batches.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { GatewayStore } from '../src/store/gateway-store.ts';
import { Resources, client, routeRelayedWindows, telemetry, tempDir, waitFor } from './helpers.ts';

const ART = 'a'.repeat(64);
let res: Resources;

beforeEach(() => {
  res = new Resources();
});
afterEach(async () => {
  await res.closeAll();
});

/** A store that logs each write transaction (`commit:<windows>`) and each delete, and can refuse writes. */
function recording(inner: GatewayStore) {
  const timeline: string[] = [];
  const calls = { writeTransactions: 0, ack: 0, ackMany: [] as number[][], peekOutbox: 0 };
  const ctl = { failing: false };
  const refuse = (): void => {
    if (ctl.failing) throw new Error('disk I/O error');
  };
  const store: GatewayStore = {
    ...inner,
    enqueue: (...a) => (calls.writeTransactions++, refuse(), inner.enqueue(...a)),
    enqueueBatch(writes) {
      calls.writeTransactions++;
      refuse();
      const r = inner.enqueueBatch(writes);
      timeline.push(
        `commit:${writes.map((w) => (w.kind === 'telemetry' ? `${w.device}/${w.seq}` : w.kind)).join(',')}`,
      );
      return r;
    },
    ack(id) {
      calls.ack++;
      inner.ack(id);
    },
    peekOutbox(...a) {
      calls.peekOutbox++;
      return inner.peekOutbox(...a);
    },
    ackMany(ids) {
      calls.ackMany.push([...ids]);
      return inner.ackMany(ids);
    },
  };
  return { store, timeline, calls, ctl };
}

async function setup(store: GatewayStore): Promise<{ relay: Relay; upUrl: string; siteUrl: string }> {
  const upBroker = res.add(await startEmbeddedBroker({ port: 0 }));
  const siteBroker = res.add(await startEmbeddedBroker({ port: 0 }));
  const upstream = res.add(createMqttTransport({ url: upBroker.url, clientId: 'gw-batch', clean: true }));
  const local = res.add(createMqttTransport({ url: siteBroker.url, clientId: 'gw-batch-local', clean: true }));
  const relay = await createRelay({ gatewayId: 'gw1', store, local, upstream, deadLetter: () => undefined });
  res.add({ close: () => relay.stop() });
  await upstream.start();
  await local.start();
  return { relay, upUrl: upBroker.url, siteUrl: siteBroker.url };
}

/** Every receipt item the devices get, as `receipt:<device>/<seq>:<outcome>`, appended to `timeline`. */
async function devicesReceipts(url: string, timeline: string[]): Promise<string[]> {
  const got: string[] = [];
  const sub = await client(res, url, 'receipt-watch');
  await sub.route(topics.all('devices', 'acks'), (_t, payload) => {
    for (const item of decode(Receipt, payload, 'receipt').items)
      if (item.kind === 'telemetry') {
        const entry = `receipt:${item.device}/${item.seq}:${item.outcome}`;
        got.push(entry);
        timeline.push(entry);
      }
  });
  return got;
}

const sendAll = async (url: string, windows: [string, number][]): Promise<void> => {
  // One client for several devices (a bare site broker): published in one go, they arrive together.
  const sender = await client(res, url, `sender-${Math.random()}`);
  await Promise.all(
    windows.map(([d, seq]) => sender.publish(topics.device(d, 'telemetry'), encode(telemetry(d, seq, ART)))),
  );
};

const SIX: [string, number][] = ['dev1', 'dev2', 'dev3'].flatMap((d) => [1, 2].map((s): [string, number] => [d, s]));

describe('gateway relay: batched outbox writes', () => {
  it('writes what several devices sent together in one transaction, and receipts each only after it committed', async () => {
    const rec = recording(openSqliteStore(tempDir(res)));
    res.add(rec.store);
    const { siteUrl } = await setup(rec.store);
    const receipts = await devicesReceipts(siteUrl, rec.timeline);
    await sendAll(siteUrl, SIX);
    await waitFor('six receipts', () => receipts.length === 6);
    expect(rec.store.outboxDepth()).toBe(6);
    // Fewer transactions than windows, and one of them held windows of several devices.
    expect(rec.calls.writeTransactions).toBeLessThan(6);
    const commits = rec.timeline.filter((e) => e.startsWith('commit:'));
    expect(
      commits.some(
        (c) =>
          new Set(
            c
              .slice(7)
              .split(',')
              .map((w) => w.split('/')[0]),
          ).size > 1,
      ),
    ).toBe(true);
    // Each receipt comes after the commit that holds its window.
    for (const [d, seq] of SIX) {
      const committed = rec.timeline.findIndex(
        (e) => e.startsWith('commit:') && e.slice(7).split(',').includes(`${d}/${seq}`),
      );
      const receipted = rec.timeline.indexOf(`receipt:${d}/${seq}:stored`);
      expect(committed).toBeGreaterThanOrEqual(0);
      expect(receipted).toBeGreaterThan(committed);
    }
  });

  it('receipts nothing of a batch whose commit fails; the devices send again and are receipted then', async () => {
    const rec = recording(openSqliteStore(tempDir(res)));
    res.add(rec.store);
    const { relay, siteUrl } = await setup(rec.store);
    const receipts = await devicesReceipts(siteUrl, rec.timeline);
    rec.ctl.failing = true;
    await sendAll(siteUrl, SIX);
    await waitFor('degraded', () => relay.health().status === 'degraded');
    await new Promise((r) => setTimeout(r, 300));
    expect(receipts).toEqual([]);
    expect(rec.store.outboxDepth()).toBe(0);
    rec.ctl.failing = false;
    await sendAll(siteUrl, SIX);
    await waitFor('six receipts', () => receipts.length === 6);
    expect(receipts.every((r) => r.endsWith(':stored'))).toBe(true);
    expect(rec.store.outboxDepth()).toBe(6);
    expect(relay.health().status).toBe('ok');
  });

  it('deletes the entries a fleet receipt names in one statement, leaving exactly the unreceipted ones', async () => {
    const rec = recording(openSqliteStore(tempDir(res)));
    res.add(rec.store);
    const { relay, upUrl, siteUrl } = await setup(rec.store);
    const arrived = new Set<number>();
    const fleet = await client(res, upUrl, 'fleet-batch');
    await routeRelayedWindows(fleet, (w) => {
      arrived.add(w.seq);
    });
    await sendAll(
      siteUrl,
      [1, 2, 3, 4, 5].map((s): [string, number] => ['dev1', s]),
    );
    await waitFor('five upstream', () => arrived.size === 5);
    const item = (seq: number) => ({ kind: 'telemetry' as const, device: 'dev1', seq, outcome: 'stored' as const });
    await fleet.publish(
      topics.gateway('gw1', 'acks'),
      encode({ from: 'fleet', at: new Date().toISOString(), items: [item(1), item(3), item(5), item(9)] }),
    );
    await waitFor('three relayed', () => relay.relayed === 3);
    expect(rec.calls.ack).toBe(0);
    expect(rec.calls.ackMany).toHaveLength(1);
    expect(rec.calls.ackMany[0]).toHaveLength(3);
    expect(rec.store.peekOutbox().map((e) => (JSON.parse(e.payload.toString()) as TelemetryWindow).seq)).toEqual([
      2, 4,
    ]);
  });
});

describe('gateway relay: upstream', () => {
  it('sends a burst upstream in one batch on its own topic, from memory: the rows it just wrote are not read back', async () => {
    const rec = recording(openSqliteStore(tempDir(res)));
    res.add(rec.store);
    const { upUrl, siteUrl } = await setup(rec.store);
    const batches: number[] = [];
    const fleet = await client(res, upUrl, 'fleet-up');
    await fleet.route(topics.gateway('gw1', 'telemetry'), (_t, payload) => {
      batches.push(decode(TelemetryBatch, payload, 'batch').windows.length);
    });
    const peeks = rec.calls.peekOutbox;
    await sendAll(siteUrl, SIX);
    await waitFor('six upstream', () => batches.reduce((a, b) => a + b, 0) === 6);
    expect(rec.calls.writeTransactions).toBe(1);
    expect(batches).toEqual([6]);
    expect(rec.calls.peekOutbox).toBe(peeks);
  });
});

describe('telemetryBatches: what the relay sends upstream', () => {
  it('joins the windows as the devices sent them, at most MAX_TELEMETRY_BATCH and MAX_MESSAGE_BYTES a message, in order', () => {
    const windows = Array.from({ length: 2 * MAX_TELEMETRY_BATCH + 5 }, (_v, i) =>
      encode(telemetry('dev1', i + 1, 'a'.repeat(64))),
    );
    const out = telemetryBatches(windows);
    expect(out.map((b) => decode(TelemetryBatch, b, 'batch').windows.length)).toEqual([
      MAX_TELEMETRY_BATCH,
      MAX_TELEMETRY_BATCH,
      5,
    ]);
    const seqs = out.flatMap((b) =>
      (JSON.parse(b.toString()) as { windows: TelemetryWindow[] }).windows.map((w) => w.seq),
    );
    expect(seqs).toEqual(windows.map((_w, i) => i + 1));

    // Bytes: windows a little over a third of the bound go two to a message.
    const third = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.floor(MAX_MESSAGE_BYTES / 3)) }));
    const big = telemetryBatches([third, third, third, third, third]);
    expect(big.map((b) => (JSON.parse(b.toString()) as { windows: unknown[] }).windows.length)).toEqual([2, 2, 1]);
    expect(big.every((b) => b.byteLength <= MAX_MESSAGE_BYTES)).toBe(true);
    // One window as large as any message may be still goes, alone, within the fleet's bound for a batch.
    const whole = Buffer.from(JSON.stringify({ pad: 'x'.repeat(MAX_MESSAGE_BYTES - 12) }));
    const alone = telemetryBatches([third, whole, third]);
    expect(alone.map((b) => (JSON.parse(b.toString()) as { windows: unknown[] }).windows.length)).toEqual([1, 1, 1]);
    expect(alone.every((b) => b.byteLength <= MAX_TELEMETRY_BATCH_BYTES)).toBe(true);
    expect(telemetryBatches([])).toEqual([]);
  });
});
