import {
  DEFAULT_REVIEW_MAX_ITEMS,
  matchesReview,
  type ReviewBounds,
  type ReviewStore,
  type StoredReviewItem,
} from './review-store.ts';

/** The review queue in memory (tests, a fleet without storage); same contract as the SQLite one. */
export function createMemoryReviewStore(bounds: ReviewBounds = {}): ReviewStore {
  const maxItems = bounds.maxItems ?? DEFAULT_REVIEW_MAX_ITEMS;
  /** Insertion order is seq order. */
  const items = new Map<string, StoredReviewItem>();
  const keyOf = (device: string, predictionId: string): string => JSON.stringify([device, predictionId]);
  let seq = 0;
  let dropped = 0;
  const copy = (i: StoredReviewItem): StoredReviewItem => structuredClone(i);

  function trim(): void {
    for (const state of ['labelled', 'pending'] as const)
      for (const [k, i] of items) {
        if (items.size <= maxItems) return;
        if (i.state !== state) continue;
        items.delete(k);
        dropped++;
      }
  }

  return {
    add(item, receivedAt) {
      const k = keyOf(item.device, item.predictionId);
      if (items.has(k)) return 'duplicate';
      items.set(k, { ...structuredClone(item), seq: ++seq, receivedAt, state: 'pending' });
      trim();
      return 'stored';
    },
    get(device, predictionId) {
      const i = items.get(keyOf(device, predictionId));
      return i && copy(i);
    },
    list(q = {}) {
      return [...items.values()]
        .filter((i) => matchesReview(i, q))
        .slice(0, q.limit ?? Infinity)
        .map(copy);
    },
    count(q = {}) {
      return [...items.values()].filter((i) => matchesReview(i, q)).length;
    },
    label(device, predictionId, label, by, at) {
      const i = items.get(keyOf(device, predictionId));
      if (!i) return { outcome: 'unknown' };
      if (i.state === 'labelled') return { outcome: i.label === label ? 'unchanged' : 'conflict', item: copy(i) };
      Object.assign(i, { state: 'labelled', label, labelledBy: by, labelledAt: at });
      return { outcome: 'labelled', item: copy(i) };
    },
    dropped: () => dropped,
    close() {},
  };
}
