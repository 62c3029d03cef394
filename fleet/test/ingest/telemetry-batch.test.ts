/**
 * Batched telemetry ingestion (docs/ARCHITECTURE.md "Telemetry"): the windows of one burst are stored
 * in one transaction and receipted only after it committed; a malformed or forged window in the
 * burst is dead-lettered without losing its neighbours; a batch the store refuses is retried window
 * by window, and the one that still fails is dead-lettered and not receipted. Real SQLite fleet.db.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, MAX_TELEMETRY_BATCH, encode, silentLogger, topics, type ReceiptItem } from '@outpost/protocol';
import { FleetErrorCodes } from '../../src/errors.ts';
import { newCounters, type IngestContext } from '../../src/ingest/handler.ts';
import { MAX_INGEST_BATCH, createTelemetryBatcher } from '../../src/ingest/telemetry-batch.ts';
import type { FleetStore } from '../../src/store/fleet-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { fixtureWindow } from '../fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(wrap: (s: FleetStore) => FleetStore = (s) => s) {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-ingest-'));
  dirs.push(dir);
  const raw = openSqliteStore(join(dir, 'fleet.db'));
  const timeline: string[] = [];
  const store = wrap({
    ...raw,
    insertTelemetryBatch(windows, at) {
      const r = raw.insertTelemetryBatch(windows, at);
      timeline.push(`commit:${windows.map((w) => `${w.device}/${w.seq}`).join(',')}`);
      return r;
    },
  });
  const clock = { now: () => Date.parse('2026-12-05T00:00:00Z'), setTimeout, clearTimeout, setInterval, clearInterval };
  const receipts: [string, ReceiptItem][] = [];
  const ctx: IngestContext = {
    store,
    clock,
    logger: silentLogger,
    counters: newCounters(),
    receipt: (gw, item) => {
      receipts.push([gw, item]);
      if (item.kind === 'telemetry') timeline.push(`receipt:${item.device}/${item.seq}`);
    },
  };
  const batcher = createTelemetryBatcher(ctx);
  const send = (device: string, payload: Buffer): void => batcher.add(topics.device(device, 'telemetry'), payload);
  const settled = (): Promise<void> => new Promise((r) => setImmediate(r));
  return { raw, store, ctx, receipts, timeline, send, settled, batcher };
}

describe('batched telemetry ingestion', () => {
  it('stores a burst from several devices in one transaction and receipts each window after it', async () => {
    const { raw, receipts, timeline, send, settled } = setup();
    for (const d of ['d1', 'd2', 'd3']) for (const seq of [1, 2]) send(d, encode(fixtureWindow(d, seq)));
    expect(receipts).toEqual([]); // nothing before the commit
    await settled();
    const commits = timeline.filter((e) => e.startsWith('commit:'));
    expect(commits).toEqual(['commit:d1/1,d1/2,d2/1,d2/2,d3/1,d3/2']);
    expect(timeline.indexOf('receipt:d1/1')).toBeGreaterThan(0);
    expect(receipts.map(([gw, i]) => [gw, i.kind === 'telemetry' ? `${i.device}/${i.seq}:${i.outcome}` : ''])).toEqual(
      ['d1/1', 'd1/2', 'd2/1', 'd2/2', 'd3/1', 'd3/2'].map((k) => ['gw1', `${k}:stored`]),
    );
    expect(raw.countTelemetry()).toBe(6);
  });

  it('cuts a batch at MAX_INGEST_BATCH windows', async () => {
    const { timeline, send, settled, raw } = setup();
    for (let seq = 1; seq <= MAX_INGEST_BATCH + 1; seq++) send('d1', encode(fixtureWindow('d1', seq)));
    await settled();
    expect(timeline.filter((e) => e.startsWith('commit:')).map((c) => c.split(',').length)).toEqual([
      MAX_INGEST_BATCH,
      1,
    ]);
    expect(raw.countTelemetry()).toBe(MAX_INGEST_BATCH + 1);
  });

  it('dead-letters a malformed or forged window in a burst and stores its neighbours', async () => {
    const { raw, ctx, receipts, send, settled } = setup();
    send('d1', encode(fixtureWindow('d1', 1)));
    send('d1', Buffer.from('{"device": "d1", "seq": 2, '));
    send('d2', encode(fixtureWindow('d1', 3))); // d1's window on d2's topic
    send('d2', encode(fixtureWindow('d2', 1)));
    send('d2', encode(fixtureWindow('d2', 2, { gateway: 'gw-other' }))); // d2 belongs to gw1
    send('d1', encode(fixtureWindow('d1', 2)));
    await settled();
    expect(raw.telemetryWindows({ model: 'housing' }).map((w) => `${w.device}/${w.seq}`)).toEqual([
      'd1/1',
      'd1/2',
      'd2/1',
    ]);
    expect(receipts.map(([, i]) => (i.kind === 'telemetry' ? `${i.device}/${i.seq}` : ''))).toEqual([
      'd1/1',
      'd2/1',
      'd1/2',
    ]);
    expect(raw.deadLetters().map((l) => l.code)).toEqual([
      ErrorCodes.NOT_JSON,
      ErrorCodes.TOPIC_MISMATCH,
      FleetErrorCodes.DEVICE_NOT_ON_GATEWAY,
    ]);
    expect(ctx.counters).toMatchObject({ telemetryStored: 3, deadLetters: 3 });
  });

  it('retries a refused batch window by window: the one that still fails is dead-lettered, not receipted', async () => {
    const { raw, receipts, send, settled, ctx } = setup((s) => ({
      ...s,
      insertTelemetryBatch() {
        throw new Error('SQLITE_FULL');
      },
      insertTelemetry(w, at) {
        if (w.device === 'd2') throw new Error('SQLITE_FULL');
        return s.insertTelemetry(w, at);
      },
    }));
    for (const d of ['d1', 'd2', 'd3']) send(d, encode(fixtureWindow(d, 1)));
    await settled();
    expect(raw.telemetryWindows({ model: 'housing' }).map((w) => w.device)).toEqual(['d1', 'd3']);
    expect(receipts.map(([, i]) => (i.kind === 'telemetry' ? i.device : ''))).toEqual(['d1', 'd3']);
    expect(raw.deadLetters().map((l) => [l.topic, l.code])).toEqual([
      [topics.device('d2', 'telemetry'), FleetErrorCodes.INGEST_FAILED],
    ]);
    expect(ctx.counters.telemetryStored).toBe(2);
  });
});

describe('windows a gateway relays in batches on its own topic', () => {
  const batch = (windows: unknown[]): Buffer => encode({ windows });
  const gw1 = topics.gateway('gw1', 'telemetry');

  it('stores every window of a batch in one transaction, relayed by the gateway its topic names, whatever the window says', async () => {
    const { raw, batcher, receipts, timeline, settled } = setup();
    batcher.addBatch(
      gw1,
      batch([
        fixtureWindow('d1', 1, { gateway: null }),
        fixtureWindow('d1', 2, { gateway: 'gw-other' }),
        fixtureWindow('d2', 1),
      ]),
    );
    await settled();
    expect(timeline.filter((e) => e.startsWith('commit:'))).toEqual(['commit:d1/1,d1/2,d2/1']);
    expect(receipts.map(([gw, i]) => [gw, i.kind === 'telemetry' ? `${i.device}/${i.seq}:${i.outcome}` : ''])).toEqual([
      ['gw1', 'd1/1:stored'],
      ['gw1', 'd1/2:stored'],
      ['gw1', 'd2/1:stored'],
    ]);
    expect(raw.deviceGateway('d1')).toBe('gw1');
    expect(raw.telemetryWindows({ model: 'housing' }).map((w) => w.gateway)).toEqual(['gw1', 'gw1', 'gw1']);
  });

  it('dead-letters a bad window of a batch alone, with its own bytes, and stores its neighbours', async () => {
    const { raw, batcher, receipts, settled, ctx } = setup();
    raw.bindDeviceGateway('d3', 'gw2', '2026-12-05T00:00:00Z');
    const { errors: _drop, ...missing } = fixtureWindow('d1', 2);
    batcher.addBatch(gw1, batch([fixtureWindow('d1', 1), missing, fixtureWindow('d3', 1), fixtureWindow('d1', 3)]));
    await settled();
    expect(raw.telemetryWindows({ model: 'housing' }).map((w) => `${w.device}/${w.seq}`)).toEqual(['d1/1', 'd1/3']);
    expect(receipts.map(([, i]) => (i.kind === 'telemetry' ? `${i.device}/${i.seq}` : ''))).toEqual(['d1/1', 'd1/3']);
    const letters = raw.deadLetters();
    expect(letters.map((l) => [l.topic, l.code])).toEqual([
      [gw1, ErrorCodes.SCHEMA_INVALID],
      [gw1, FleetErrorCodes.DEVICE_NOT_ON_GATEWAY], // d3 belongs to gw2
    ]);
    expect(JSON.parse(letters[0]!.payload.toString())).toEqual(missing);
    expect(ctx.counters).toMatchObject({ telemetryStored: 2, deadLetters: 2 });
  });

  it('dead-letters a batch that is not one whole, and stores nothing of it', async () => {
    const { raw, batcher, settled } = setup();
    batcher.addBatch(gw1, Buffer.from('{"windows": ['));
    batcher.addBatch(gw1, batch([]));
    batcher.addBatch(
      gw1,
      batch(Array.from({ length: MAX_TELEMETRY_BATCH + 1 }, (_v, i) => fixtureWindow('d1', i + 1))),
    );
    batcher.addBatch(gw1, encode({ windows: [fixtureWindow('d1', 1)], extra: true }));
    await settled();
    expect(raw.countTelemetry()).toBe(0);
    expect(raw.deadLetters().map((l) => l.code)).toEqual([
      ErrorCodes.NOT_JSON,
      ErrorCodes.SCHEMA_INVALID,
      ErrorCodes.SCHEMA_INVALID,
      ErrorCodes.SCHEMA_INVALID,
    ]);
  });
});
