import { z } from 'zod';
import { FeatureValue, Finite, Id, IsoTime } from './common.ts';

/** At most this many features in a review item's raw row. */
export const MAX_REVIEW_FEATURES = 64;

/**
 * Why a device flagged a prediction for review (docs/DEVICE.md "Prediction log, labels and review"):
 * `low-margin` — a classifier's top-probability margin under the threshold; `out-of-range` — a
 * regression row with inputs outside the range training saw.
 */
export const ReviewReason = z.enum(['low-margin', 'out-of-range']);
export type ReviewReason = z.infer<typeof ReviewReason>;

/**
 * A low-confidence prediction a device forwards for human review, on its `review` leaf, relayed by
 * its gateway (docs/MONITORING.md "Review queue"). It carries the raw row the model saw — the only
 * raw rows that leave a device, and only while review upload is on — bounded: at most
 * MAX_REVIEW_FEATURES features, strings of at most 256 characters. Keyed by (device, predictionId).
 */
export const ReviewItem = z.strictObject({
  device: Id,
  /** Set by the gateway that relayed it. */
  gateway: Id.optional(),
  predictionId: z.string().min(1).max(128),
  model: Id,
  version: z.number().int().positive(),
  /** When the prediction was made. */
  at: IsoTime,
  inputs: z
    .record(z.string().min(1).max(128), FeatureValue)
    .refine((o) => Object.keys(o).length <= MAX_REVIEW_FEATURES, {
      message: `at most ${MAX_REVIEW_FEATURES} features`,
    }),
  prediction: Finite,
  confidence: Finite.nullable(),
  reason: ReviewReason,
});
export type ReviewItem = z.infer<typeof ReviewItem>;
