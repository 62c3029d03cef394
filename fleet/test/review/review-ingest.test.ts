/**
 * The review handler and queue (docs/MONITORING.md "Review queue"): an item is stored once per
 * (device, predictionId) and receipted to the relaying gateway; one arriving through another
 * gateway than the device's, or malformed, is a coded dead letter and not receipted; a reviewer's
 * label is ground truth in monitoring's label store and an audit entry. Real dispatcher, memory stores.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, encode, silentLogger, topics, type ReceiptItem } from '@outpost/protocol';
import { FleetErrorCodes } from '../../src/errors.ts';
import { dispatch } from '../../src/ingest/dispatcher.ts';
import { newCounters, type IngestContext } from '../../src/ingest/handler.ts';
import { reviewHandler } from '../../src/ingest/review.ts';
import { createMemoryMonitorStore } from '../../src/monitor/memory-monitor-store.ts';
import { ReviewErrorCodes } from '../../src/review/errors.ts';
import { createMemoryReviewStore } from '../../src/review/memory-review-store.ts';
import { createReviewQueue } from '../../src/review/review-queue.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { reviewItem } from './review-store-contract.ts';

function setup() {
  const store = createMemoryStore();
  const monitorStore = createMemoryMonitorStore();
  const clock = { now: () => Date.parse('2026-12-05T00:00:00Z'), setTimeout, clearTimeout, setInterval, clearInterval };
  const queue = createReviewQueue({ reviews: createMemoryReviewStore(), monitorStore, store, clock });
  const receipts: [string, ReceiptItem][] = [];
  const ctx: IngestContext = {
    store,
    clock,
    logger: silentLogger,
    counters: newCounters(),
    receipt: (gw, item) => receipts.push([gw, item]),
    reviewSink: (item) => queue.add(item),
  };
  const send = (payload: unknown): void => dispatch(reviewHandler, ctx, topics.device('d1', 'review'), encode(payload));
  return { store, monitorStore, queue, receipts, ctx, send };
}

describe('review ingestion', () => {
  it('stores an item once, receipts each delivery, and dead-letters forged or malformed ones', () => {
    const { queue, receipts, send, store } = setup();
    send(reviewItem('d1', 'p1'));
    send(reviewItem('d1', 'p1'));
    expect(receipts).toEqual([
      ['site-1', { kind: 'review', device: 'd1', predictionId: 'p1', outcome: 'stored' }],
      ['site-1', { kind: 'review', device: 'd1', predictionId: 'p1', outcome: 'duplicate' }],
    ]);
    send({ ...reviewItem('d1', 'p2'), gateway: 'site-2' });
    send({ ...reviewItem('d1', 'p3'), gateway: undefined });
    send({ ...reviewItem('d1', 'p4'), inputs: 'not a row' });
    send({ ...reviewItem('d2', 'p5') });
    expect(store.deadLetters().map((l) => l.code)).toEqual([
      FleetErrorCodes.DEVICE_NOT_ON_GATEWAY,
      FleetErrorCodes.RELAY_MISSING,
      ErrorCodes.SCHEMA_INVALID,
      ErrorCodes.TOPIC_MISMATCH,
    ]);
    expect(receipts).toHaveLength(2);
    expect(queue.list().map((i) => i.predictionId)).toEqual(['p1']);
  });

  it("writes a reviewer's label into monitoring as ground truth with its prediction, and audits it", () => {
    const { queue, send, monitorStore, store } = setup();
    send(reviewItem('d1', 'p1'));
    expect(queue.label('d1', 'p1', 0, 'ann').outcome).toBe('labelled');
    expect(monitorStore.getLabel('p1')).toMatchObject({
      device: 'd1',
      label: 0,
      source: 'review',
      prediction: { model: 'occupancy', version: 2, value: 1, confidence: 0.12 },
    });
    expect(store.audit({ action: 'review.label' })).toEqual([
      expect.objectContaining({ actor: 'ann', target: 'd1', model: 'occupancy', version: 2 }),
    ]);
    expect(queue.label('d1', 'p1', 0, 'bob').outcome).toBe('unchanged');
    expect(() => queue.label('d1', 'p1', 1, 'bob')).toThrow(
      expect.objectContaining({ code: ReviewErrorCodes.REVIEW_LABEL_CONFLICT }),
    );
    expect(() => queue.label('d1', 'nope', 1, 'bob')).toThrow(
      expect.objectContaining({ code: ReviewErrorCodes.REVIEW_ITEM_UNKNOWN }),
    );
    expect(store.audit({ action: 'review.label' })).toHaveLength(1);
  });
});
