/**
 * One contract for both review stores (docs/MONITORING.md "Review queue"): idempotent by (device,
 * predictionId), filters and pages in arrival order, the first reviewer's label stands, bounded with
 * the oldest labelled items dropped first and counted, and (SQLite) kept across a reopen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ReviewItem } from '@outpost/protocol';
import type { ReviewStore } from '../../src/review/review-store.ts';

export interface ReviewStoreFactory {
  open(bounds?: { maxItems?: number }): ReviewStore;
  /** Durable stores: the same data opened again. */
  reopen?(): ReviewStore;
  cleanup?(): void;
}

export function reviewItem(
  device: string,
  predictionId: string,
  model = 'occupancy',
): ReviewItem & { gateway: string } {
  return {
    device,
    gateway: 'site-1',
    predictionId,
    model,
    version: 2,
    at: '2026-01-01T00:00:00.000Z',
    inputs: { Light: 426, Room: 'b', Missing: null },
    prediction: 1,
    confidence: 0.12,
    reason: 'low-margin',
  };
}

export function reviewStoreContract(name: string, factory: () => ReviewStoreFactory, durable: boolean): void {
  describe(`review store contract: ${name}`, () => {
    let f: ReviewStoreFactory;
    const opened: ReviewStore[] = [];
    const open = (bounds?: { maxItems?: number }): ReviewStore => {
      f = factory();
      const s = f.open(bounds);
      opened.push(s);
      return s;
    };
    afterEach(() => {
      for (const s of opened.splice(0)) s.close();
      f?.cleanup?.();
    });

    it('stores an item once per (device, predictionId), pending, with its inputs', () => {
      const s = open();
      expect(s.add(reviewItem('d1', 'p1'), 't1')).toBe('stored');
      expect(s.add(reviewItem('d1', 'p1'), 't2')).toBe('duplicate');
      expect(s.add(reviewItem('d2', 'p1'), 't3')).toBe('stored');
      const got = s.get('d1', 'p1');
      expect(got).toMatchObject({ ...reviewItem('d1', 'p1'), receivedAt: 't1', state: 'pending' });
      expect(got?.label).toBeUndefined();
      expect(s.get('d1', 'nope')).toBeUndefined();
      expect(s.count()).toBe(2);
    });

    it('filters by model, device and state, and pages in arrival order', () => {
      const s = open();
      s.add(reviewItem('d1', 'p1'), 't');
      s.add(reviewItem('d2', 'p2', 'housing'), 't');
      s.add(reviewItem('d1', 'p3'), 't');
      s.label('d1', 'p3', 0, 'ann', 't');
      expect(s.list().map((i) => i.predictionId)).toEqual(['p1', 'p2', 'p3']);
      expect(s.list({ model: 'occupancy' }).map((i) => i.predictionId)).toEqual(['p1', 'p3']);
      expect(s.list({ device: 'd2' }).map((i) => i.predictionId)).toEqual(['p2']);
      expect(s.list({ state: 'labelled' }).map((i) => i.predictionId)).toEqual(['p3']);
      expect(s.count({ state: 'pending' })).toBe(2);
      const first = s.list({ limit: 2 });
      expect(first.map((i) => i.predictionId)).toEqual(['p1', 'p2']);
      expect(s.list({ afterSeq: first[1]?.seq }).map((i) => i.predictionId)).toEqual(['p3']);
    });

    it('labels a pending item once: the same label is unchanged, another is a conflict', () => {
      const s = open();
      s.add(reviewItem('d1', 'p1'), 't');
      const r = s.label('d1', 'p1', 'occupied', 'ann', 't9');
      expect(r.outcome).toBe('labelled');
      expect(s.get('d1', 'p1')).toMatchObject({
        state: 'labelled',
        label: 'occupied',
        labelledBy: 'ann',
        labelledAt: 't9',
      });
      expect(s.label('d1', 'p1', 'occupied', 'bob', 't10').outcome).toBe('unchanged');
      expect(s.label('d1', 'p1', 'empty', 'bob', 't10').outcome).toBe('conflict');
      expect(s.get('d1', 'p1')?.labelledBy).toBe('ann');
      expect(s.label('d1', 'nope', 1, 'ann', 't').outcome).toBe('unknown');
      // A numeric label stays a number.
      s.add(reviewItem('d1', 'p2'), 't');
      s.label('d1', 'p2', 0, 'ann', 't');
      expect(s.get('d1', 'p2')?.label).toBe(0);
    });

    it('keeps at most maxItems, dropping the oldest labelled items first, and counts them', () => {
      const s = open({ maxItems: 3 });
      for (const p of ['p1', 'p2', 'p3']) s.add(reviewItem('d1', p), 't');
      s.label('d1', 'p2', 1, 'ann', 't');
      s.add(reviewItem('d1', 'p4'), 't');
      expect(s.list().map((i) => i.predictionId)).toEqual(['p1', 'p3', 'p4']);
      s.add(reviewItem('d1', 'p5'), 't');
      expect(s.list().map((i) => i.predictionId)).toEqual(['p3', 'p4', 'p5']);
      expect(s.dropped()).toBe(2);
    });

    if (durable)
      it('keeps items and labels across a reopen', () => {
        const s = open();
        s.add(reviewItem('d1', 'p1'), 't');
        s.label('d1', 'p1', 1, 'ann', 't');
        s.close();
        opened.splice(0);
        const again = (f.reopen as () => ReviewStore)();
        opened.push(again);
        expect(again.get('d1', 'p1')).toMatchObject({ state: 'labelled', label: 1 });
      });
  });
}
