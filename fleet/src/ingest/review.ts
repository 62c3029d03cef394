import { ReviewItem, decode } from '@outpost/protocol';
import type { IngestHandler } from './handler.ts';
import { assertRelayedByOwner } from './sender-check.ts';
import { assertTopicMatches } from './topic-check.ts';

/**
 * Low-confidence predictions devices forward for human review, with their inputs, relayed by
 * their gateways on the `review` leaf (docs/MONITORING.md "Review queue"): stored once per (device,
 * predictionId) in the review queue and receipted to the gateway. Without a review queue in the
 * context the item is neither stored nor receipted, so the gateway keeps it.
 */
export const reviewHandler: IngestHandler = {
  kind: 'devices',
  leaf: 'review',
  handle(id, payload, ctx) {
    const item = decode(ReviewItem, payload, 'review item');
    assertTopicMatches('review item', id, item.device);
    const gateway = assertRelayedByOwner('review item', item.device, item.gateway, ctx);
    if (!ctx.reviewSink) return undefined;
    const outcome = ctx.reviewSink({ ...item, gateway });
    ctx.counters.reviews++;
    return { gateway, item: { kind: 'review', device: item.device, predictionId: item.predictionId, outcome } };
  },
};
