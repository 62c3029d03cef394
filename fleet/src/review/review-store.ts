import type { ReviewItem } from '@outpost/protocol';

/**
 * The fleet's review queue (docs/MONITORING.md "Review queue"): low-confidence predictions devices
 * forwarded with their inputs, each pending until a reviewer labels it. Keyed by (device,
 * predictionId); bounded: past `maxItems` the oldest labelled items go first, then the oldest
 * pending, and each one dropped is counted. Implementations: `openSqliteReviewStore` (its own
 * tables in fleet.db) and `createMemoryReviewStore`; both pass fleet/test/review-store-contract.ts.
 */
export type ReviewState = 'pending' | 'labelled';

export interface StoredReviewItem extends Omit<ReviewItem, 'gateway'> {
  /** Increasing with arrival: the queue's order and the API's page cursor. */
  seq: number;
  gateway: string;
  /** When the fleet stored it (ISO). */
  receivedAt: string;
  state: ReviewState;
  label?: number | string;
  /** Who labelled it: the operator token's name, or `cli`. */
  labelledBy?: string;
  labelledAt?: string;
}

export interface ReviewQuery {
  model?: string;
  device?: string;
  state?: ReviewState;
  /** Items with seq > afterSeq (a page cursor). */
  afterSeq?: number;
  /** At most this many (default all). */
  limit?: number;
}

export interface ReviewBounds {
  /** Most items kept (default 10,000). */
  maxItems?: number;
}

export const DEFAULT_REVIEW_MAX_ITEMS = 10_000;

export type ReviewLabelOutcome =
  | { outcome: 'labelled' | 'unchanged'; item: StoredReviewItem }
  | { outcome: 'conflict'; item: StoredReviewItem }
  | { outcome: 'unknown' };

export interface ReviewStore {
  /** Stores an item unless (device, predictionId) is already held: `stored` or `duplicate`. */
  add(item: ReviewItem & { gateway: string }, receivedAt: string): 'stored' | 'duplicate';
  get(device: string, predictionId: string): StoredReviewItem | undefined;
  /** In arrival order (seq ascending). */
  list(query?: ReviewQuery): StoredReviewItem[];
  count(query?: Omit<ReviewQuery, 'afterSeq' | 'limit'>): number;
  /**
   * Labels a pending item: `labelled`; the same label again is `unchanged`; a different label on a
   * labelled item is a `conflict` and changes nothing (the first reviewer's label stands).
   */
  label(device: string, predictionId: string, label: number | string, by: string, at: string): ReviewLabelOutcome;
  /** Items dropped to keep the queue within its bound, since the store was created. */
  dropped(): number;
  /** Closes the connection the store opened itself (one it was given stays open). */
  close(): void;
}

export function matchesReview(i: StoredReviewItem, q: ReviewQuery): boolean {
  return (
    (q.model === undefined || i.model === q.model) &&
    (q.device === undefined || i.device === q.device) &&
    (q.state === undefined || i.state === q.state) &&
    (q.afterSeq === undefined || i.seq > q.afterSeq)
  );
}
