import { describe, expect, it } from 'vitest';
import type { LoggedPrediction, PredictionLog, PredictionLogBounds } from '../src/store/prediction-log.ts';

const T0 = Date.parse('2026-12-01T00:00:00Z');

export function entry(i: number, over: Partial<LoggedPrediction> = {}): LoggedPrediction {
  return {
    id: `p-${i}`,
    at: T0 + i * 1000,
    model: 'occupancy',
    version: 2,
    inputs: { Light: i, room: i % 2 === 0 ? 'hall' : null },
    prediction: i % 2,
    confidence: i % 3 === 0 ? 0.05 : 0.9,
    review: i % 3 === 0,
    ...over,
  };
}

/** The contract every PredictionLog passes (SQLite and memory). */
export function definePredictionLogContract(
  label: string,
  open: (bounds?: PredictionLogBounds) => PredictionLog,
): void {
  describe(`PredictionLog contract: ${label}`, () => {
    it('keeps what was appended, once per id', () => {
      const log = open();
      log.append([entry(1), entry(2)]);
      log.append([entry(2, { prediction: 99 })]);
      expect(log.count()).toBe(2);
      expect(log.get('p-2')).toEqual(entry(2));
      expect(log.get('p-1')?.inputs).toEqual({ Light: 1, room: null });
      expect(log.get('nope')).toBeUndefined();
      log.close();
    });

    it('keeps a large batch whole and in order, the first entry of each id winning inside the batch too', () => {
      const log = open();
      log.append([entry(0)]);
      // 123 entries: more than one multi-row statement's worth, with ids repeated inside the batch.
      const batch = Array.from({ length: 120 }, (_, i) =>
        entry(i + 1, i % 3 === 2 ? { reviewReason: 'low-margin' } : {}),
      );
      batch.splice(60, 0, entry(5, { prediction: 42 }), entry(0, { prediction: 43 }), entry(200));
      log.append(batch);
      expect(log.count()).toBe(122);
      expect(log.get('p-5')?.prediction).toBe(entry(5).prediction);
      expect(log.get('p-0')?.prediction).toBe(entry(0).prediction);
      expect(log.get('p-30')).toEqual(entry(30, { reviewReason: 'low-margin' }));
      expect(log.get('p-31')).toEqual(entry(31));
      expect(log.get('p-120')).toEqual(entry(120, { reviewReason: 'low-margin' }));
      expect(log.get('p-200')).toEqual(entry(200));
      // Oldest first in the order appended (every third entry is flagged: p-0, then the batch's).
      expect(log.unforwardedReviews(4).map((e) => e.id)).toEqual(['p-0', 'p-3', 'p-6', 'p-9']);
      log.close();
    });

    it('takes the first label of a prediction and refuses a different second one', () => {
      const log = open();
      log.append([entry(1), entry(2)]);
      expect(log.label('p-1', 1, T0 + 5000)).toBe('labelled');
      expect(log.label('p-1', 1, T0 + 6000)).toBe('unchanged');
      expect(log.label('p-1', 0, T0 + 7000)).toBe('conflict');
      expect(log.label('p-1', '1', T0 + 7000)).toBe('conflict'); // a string is not the number
      expect(log.label('p-9', 1, T0)).toBe('unknown');
      expect(log.get('p-1')).toMatchObject({ label: 1, labelledAt: T0 + 5000, labelForwarded: false });
      expect(log.label('p-2', 'occupied', T0)).toBe('labelled');
      expect(log.get('p-2')?.label).toBe('occupied');
      log.close();
    });

    it('queues flagged, unlabelled predictions for review, newest first', () => {
      const log = open();
      log.append([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => entry(i)));
      expect(log.reviewQueue(10).map((p) => p.id)).toEqual(['p-9', 'p-6', 'p-3']);
      log.label('p-6', 0, T0);
      expect(log.reviewQueue(10).map((p) => p.id)).toEqual(['p-9', 'p-3']);
      expect(log.reviewQueue(1).map((p) => p.id)).toEqual(['p-9']);
      log.close();
    });

    it('lists labels not yet handed upstream until they are marked', () => {
      const log = open();
      log.append([1, 2, 3].map((i) => entry(i)));
      log.label('p-3', 1, T0);
      log.label('p-1', 0, T0);
      expect(log.unforwardedLabels(10).map((p) => p.id)).toEqual(['p-1', 'p-3']);
      log.markLabelsForwarded(['p-1']);
      expect(log.unforwardedLabels(10).map((p) => p.id)).toEqual(['p-3']);
      expect(log.get('p-1')?.labelForwarded).toBe(true);
      log.close();
    });

    it('lists flagged, unlabelled predictions not yet handed upstream for review, oldest first, until marked', () => {
      const log = open();
      log.append([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => entry(i, i % 3 === 0 ? { reviewReason: 'low-margin' } : {})));
      expect(log.unforwardedReviews(10).map((p) => p.id)).toEqual(['p-3', 'p-6', 'p-9']);
      expect(log.get('p-3')?.reviewReason).toBe('low-margin');
      // A prediction labelled on the device needs no review upstream.
      log.label('p-6', 0, T0);
      log.markReviewsForwarded(['p-3']);
      expect(log.unforwardedReviews(10).map((p) => p.id)).toEqual(['p-9']);
      expect(log.unforwardedReviews(0)).toEqual([]);
      expect(log.get('p-3')?.reviewForwarded).toBe(true);
      log.close();
    });

    it('prunes by age and by count, oldest first', () => {
      const log = open({ maxRows: 5, maxAgeMs: 60_000 });
      log.append(Array.from({ length: 10 }, (_, i) => entry(i)));
      expect(log.prune(T0 + 10_000)).toBe(5);
      expect(log.count()).toBe(5);
      expect(log.get('p-4')).toBeUndefined();
      expect(log.get('p-5')).toBeDefined();
      // Everything older than a minute before "now" goes.
      expect(log.prune(T0 + 67_500)).toBe(3);
      expect(log.get('p-7')).toBeUndefined();
      expect(log.get('p-8')).toBeDefined();
      log.close();
    });
  });
}
