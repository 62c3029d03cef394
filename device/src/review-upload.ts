import {
  MAX_REVIEW_FEATURES,
  encode,
  topics,
  type Clock,
  type Logger,
  type ReviewItem,
  type Transport,
} from '@outpost/protocol';
import type { LoggedPrediction, PredictionLog } from './store/prediction-log.ts';
import type { ReceiptDispatcher } from './upstream/receipts.ts';
import { ReceiptedUploader } from './upstream/uploader.ts';

/** How often the prediction log is looked at for newly flagged predictions (ms). */
export const DEFAULT_REVIEW_POLL_MS = 1_000;

export interface ReviewUploadOptions {
  deviceId: string;
  log: PredictionLog;
  transport: Transport;
  /** The device's one subscriber to its `acks` topic: review receipts arrive through it. */
  receipts: ReceiptDispatcher;
  clock: Clock;
  logger: Logger;
  resendMs?: number;
  pollMs?: number;
}

/** The review message of a flagged prediction: its raw row, bounded to MAX_REVIEW_FEATURES features. */
export function reviewItemOf(deviceId: string, p: LoggedPrediction): ReviewItem {
  const inputs = Object.fromEntries(Object.entries(p.inputs).slice(0, MAX_REVIEW_FEATURES));
  return {
    device: deviceId,
    predictionId: p.id,
    model: p.model,
    version: p.version,
    at: new Date(p.at).toISOString(),
    inputs,
    prediction: p.prediction,
    confidence: p.confidence,
    reason: p.reviewReason ?? 'low-margin',
  };
}

/**
 * Forwards flagged predictions upstream for human review, with their inputs (docs/DEVICE.md "What
 * leaves the device"): the only raw rows that leave a device, and only while review upload is on
 * (`--no-review-upload` turns it off). Delivered like labels: the prediction log is the outbox, an
 * item stays unforwarded until the gateway's receipt `{kind:'review', device, predictionId}`, and
 * is re-sent after a back-off and on every reconnect. A prediction labelled on the device before it
 * went up is not sent (its label goes instead). Bounded by the prediction log's ring.
 */
export class ReviewUpload {
  private readonly uploader: ReceiptedUploader;
  private readonly poll: unknown;

  constructor(private readonly o: ReviewUploadOptions) {
    this.uploader = new ReceiptedUploader({
      name: 'review',
      topic: topics.device(o.deviceId, 'review'),
      transport: o.transport,
      clock: o.clock,
      logger: o.logger.child({ component: 'review-upload' }),
      pending: (limit) =>
        o.log.unforwardedReviews(limit).map((p) => ({ key: p.id, payload: encode(reviewItemOf(o.deviceId, p)) })),
      delivered: (ids) => o.log.markReviewsForwarded(ids),
      ...(o.resendMs !== undefined ? { resendMs: o.resendMs } : {}),
    });
    o.receipts.on('review', (item) => this.uploader.receipted(item.predictionId));
    // New flags reach the log in the recorder's batches: look for them now and then.
    this.poll = o.clock.setInterval(() => {
      if (o.transport.connected) this.uploader.kick();
    }, o.pollMs ?? DEFAULT_REVIEW_POLL_MS);
  }

  close(): void {
    this.o.clock.clearInterval(this.poll);
    this.uploader.close();
  }
}
