import type { Clock, ReviewItem } from '@outpost/protocol';
import type { MonitorStore } from '../monitor/monitor-store.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import { ReviewErrorCodes, reviewError } from './errors.ts';
import type { ReviewQuery, ReviewStore, StoredReviewItem } from './review-store.ts';

export interface ReviewQueueOptions {
  reviews: ReviewStore;
  /** Where a reviewer's label becomes ground truth for its prediction (docs/MONITORING.md "Labels"). */
  monitorStore: MonitorStore;
  /** For the audit log. */
  store: Pick<FleetStore, 'addAudit'>;
  clock: Clock;
  /** Told of each item stored and each label (the API's `review.*` events). */
  onEvent?: (type: 'review.added' | 'review.labelled', item: StoredReviewItem) => void;
}

export interface ReviewQueue {
  /** Stores a relayed review item (idempotent by (device, predictionId)). */
  add(item: ReviewItem & { gateway: string }): 'stored' | 'duplicate';
  list(query?: ReviewQuery): StoredReviewItem[];
  count(query?: Omit<ReviewQuery, 'afterSeq' | 'limit'>): number;
  /**
   * A reviewer labels an item: the label is written into monitoring's label store as ground truth
   * for the prediction (so `performance` counts it) and into the audit log. Throws
   * REVIEW_ITEM_UNKNOWN or REVIEW_LABEL_CONFLICT; the same label again is `unchanged`.
   */
  label(
    device: string,
    predictionId: string,
    label: number | string,
    actor: string,
  ): { outcome: 'labelled' | 'unchanged'; item: StoredReviewItem };
  /** Items dropped to keep the queue within its bound. */
  dropped(): number;
}

/** The review queue's behaviour over its store (docs/MONITORING.md "Review queue"). */
export function createReviewQueue(o: ReviewQueueOptions): ReviewQueue {
  const now = (): string => new Date(o.clock.now()).toISOString();
  return {
    add(item) {
      const outcome = o.reviews.add(item, now());
      if (outcome === 'stored') {
        const stored = o.reviews.get(item.device, item.predictionId);
        if (stored) o.onEvent?.('review.added', stored);
      }
      return outcome;
    },
    list: (query) => o.reviews.list(query),
    count: (query) => o.reviews.count(query),
    label(device, predictionId, label, actor) {
      const at = now();
      const r = o.reviews.label(device, predictionId, label, actor, at);
      if (r.outcome === 'unknown')
        throw reviewError(ReviewErrorCodes.REVIEW_ITEM_UNKNOWN, `no review item ${predictionId} of ${device}`, {
          device,
          predictionId,
        });
      if (r.outcome === 'conflict')
        throw reviewError(
          ReviewErrorCodes.REVIEW_LABEL_CONFLICT,
          `review item ${predictionId} of ${device} already has a different label`,
          { device, predictionId, label: r.item.label },
        );
      if (r.outcome === 'labelled') {
        const i = r.item;
        o.monitorStore.putLabel({
          predictionId,
          source: 'review',
          device,
          label,
          labelledAt: at,
          prediction: { value: i.prediction, model: i.model, version: i.version, at: i.at, confidence: i.confidence },
        });
        o.store.addAudit({
          at,
          actor,
          action: 'review.label',
          model: i.model,
          version: i.version,
          target: device,
          details: { predictionId, label },
        });
        o.onEvent?.('review.labelled', i);
      }
      return { outcome: r.outcome, item: r.item };
    },
    dropped: () => o.reviews.dropped(),
  };
}
