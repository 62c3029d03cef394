/**
 * Labels and review items through the gateway relay (docs/ARCHITECTURE.md "Telemetry"): a device's label is written
 * to the gateway's outbox once per (device, predictionId) and only then receipted to the device —
 * `stored` the first time, `duplicate` for a re-send, which is not relayed again. Real aedes
 * brokers, real SQLite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_REVIEW_FEATURES,
  Receipt,
  decode,
  encode,
  topics,
  type LabelMessage,
  type ReceiptItem,
  type ReviewItem,
} from '@outpost/protocol';
import { startGateway, type Gateway } from '../src/index.ts';
import { Resources, client, deviceClient, generateSigningKeyPair, startFleet, tempDir, waitFor } from './helpers.ts';

const keys = generateSigningKeyPair();
let res: Resources;
beforeEach(() => {
  res = new Resources();
});
afterEach(async () => {
  await res.closeAll();
});

const label = (predictionId: string): LabelMessage => ({
  device: 'dev1',
  predictionId,
  label: 1,
  at: new Date().toISOString(),
});

describe('label relay', () => {
  it('receipts a label once written, a re-send as a duplicate, and relays it once', async () => {
    const fleet = res.add(await startFleet(tempDir(res)));
    fleet.receipting = false;
    const upstream: string[] = [];
    const watcher = await client(res, fleet.broker.url, 'watcher');
    await watcher.route(topics.device('dev1', 'labels'), (_t, payload) => {
      upstream.push((JSON.parse(payload.toString()) as LabelMessage).predictionId);
    });
    const dir = tempDir(res);
    const gw: Gateway = res.add(
      await startGateway({
        id: 'gw1',
        dataDir: dir,
        upstreamUrl: fleet.broker.url,
        localPort: 0,
        publicKeyPem: keys.publicKeyPem,
        reconnectPeriodMs: 100,
        resendMs: 60_000,
      }),
    );
    await waitFor('upstream connected', () => gw.status().upstreamConnected);
    const dev1 = await deviceClient(res, gw.localUrl, dir, 'dev1');
    const receipts: ReceiptItem[] = [];
    await dev1.route(topics.device('dev1', 'acks'), (_t, payload) => {
      receipts.push(...decode(Receipt, payload, 'receipt').items);
    });
    for (const id of ['p1', 'p2', 'p1', 'p1'])
      await dev1.publish(topics.device('dev1', 'labels'), encode(label(id)), { qos: 1 });
    await waitFor('four receipts', () => receipts.length === 4);
    expect(receipts.map((r) => (r.kind === 'label' ? `${r.predictionId}:${r.outcome}` : r.kind))).toEqual([
      'p1:stored',
      'p2:stored',
      'p1:duplicate',
      'p1:duplicate',
    ]);
    expect(gw.status().outboxDepth).toBe(2);
    await waitFor('relayed upstream', () => upstream.length === 2);
    expect(upstream.sort()).toEqual(['p1', 'p2']);

    // Once the fleet receipts them they leave the outbox; a late re-send is still a duplicate.
    fleet.receipting = true;
    await dev1.publish(topics.device('dev1', 'labels'), encode(label('p3')), { qos: 1 });
    await waitFor('p3 receipted upstream', () => gw.status().outboxDepth === 2 && upstream.includes('p3'));
    await dev1.publish(topics.device('dev1', 'labels'), encode(label('p3')), { qos: 1 });
    await waitFor('six receipts', () => receipts.length === 6);
    expect(receipts.at(-1)).toMatchObject({ kind: 'label', predictionId: 'p3', outcome: 'duplicate' });
    expect(upstream.filter((p) => p === 'p3')).toHaveLength(1);
  });
});

const reviewItem = (predictionId: string, features = 1): ReviewItem => ({
  device: 'dev1',
  predictionId,
  model: 'occupancy',
  version: 2,
  at: new Date().toISOString(),
  inputs: Object.fromEntries(Array.from({ length: features }, (_, i) => [`f${i}`, i])),
  prediction: 1,
  confidence: 0.1,
  reason: 'low-margin',
});

describe('review relay', () => {
  it('queues a review item once per (device, predictionId), receipts it, and refuses an unbounded row', async () => {
    const fleet = res.add(await startFleet(tempDir(res)));
    fleet.receipting = false;
    const upstream: ReviewItem[] = [];
    const watcher = await client(res, fleet.broker.url, 'watcher');
    await watcher.route(topics.device('dev1', 'review'), (_t, payload) => {
      upstream.push(JSON.parse(payload.toString()) as ReviewItem);
    });
    const dir = tempDir(res);
    const gw: Gateway = res.add(
      await startGateway({
        id: 'gw1',
        dataDir: dir,
        upstreamUrl: fleet.broker.url,
        localPort: 0,
        publicKeyPem: keys.publicKeyPem,
        reconnectPeriodMs: 100,
        resendMs: 60_000,
      }),
    );
    await waitFor('upstream connected', () => gw.status().upstreamConnected);
    const dev1 = await deviceClient(res, gw.localUrl, dir, 'dev1');
    const receipts: ReceiptItem[] = [];
    await dev1.route(topics.device('dev1', 'acks'), (_t, payload) => {
      receipts.push(...decode(Receipt, payload, 'receipt').items);
    });
    const send = (item: ReviewItem): Promise<void> =>
      dev1.publish(topics.device('dev1', 'review'), encode(item), { qos: 1 });
    await send(reviewItem('r1'));
    await send(reviewItem('r1'));
    await send(reviewItem('r2', MAX_REVIEW_FEATURES + 1));
    await waitFor('two receipts', () => receipts.length === 2);
    expect(receipts).toEqual([
      { kind: 'review', device: 'dev1', predictionId: 'r1', outcome: 'stored' },
      { kind: 'review', device: 'dev1', predictionId: 'r1', outcome: 'duplicate' },
    ]);
    await waitFor('the oversized row refused', () => gw.status().deadLetters === 1);
    await waitFor('relayed upstream', () => upstream.length === 1);
    expect(upstream[0]).toMatchObject({ predictionId: 'r1', gateway: 'gw1', inputs: { f0: 0 } });
    expect(gw.status().outboxDepth).toBe(1);
  });
});
