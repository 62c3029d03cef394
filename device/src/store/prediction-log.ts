import type { FeatureValue, ReviewReason } from '@outpost/protocol';

/**
 * The device's prediction log (docs/DEVICE.md "Prediction log, labels and review"): every
 * prediction with its inputs, output, confidence, model version and time, so ground truth that
 * arrives later can name it and a reviewer can see what the model saw. A bounded ring: kept by
 * count and by age. Implementations: `openSqlitePredictionLog` (the default, a SQLite file in the
 * data directory) and `createMemoryPredictionLog`; both pass device/test/prediction-log-contract.ts.
 */
export interface LoggedPrediction {
  id: string;
  /** Milliseconds since the epoch. */
  at: number;
  model: string;
  version: number;
  inputs: Record<string, FeatureValue>;
  prediction: number;
  /** Classification: top-probability margin; regression: share of inputs inside their training range. */
  confidence: number | null;
  /** Under the review threshold: shown in the review queue until labelled. */
  review: boolean;
  /** Why it was flagged (set with `review`). */
  reviewReason?: ReviewReason;
  /** The flagged prediction has been handed upstream for review (the gateway receipted it). */
  reviewForwarded?: boolean;
  label?: number | string;
  labelledAt?: number;
  /** The label has been handed upstream. */
  labelForwarded?: boolean;
}

export type LabelOutcome = 'labelled' | 'unchanged' | 'conflict' | 'unknown';

export interface PredictionLogBounds {
  /** Most predictions kept (default 100,000); the oldest go first. */
  maxRows?: number;
  /** Oldest kept, in milliseconds (default 7 days). */
  maxAgeMs?: number;
}

export const DEFAULT_LOG_BOUNDS: Required<PredictionLogBounds> = { maxRows: 100_000, maxAgeMs: 7 * 24 * 3600_000 };

export interface PredictionLog {
  append(entries: readonly LoggedPrediction[]): void;
  get(id: string): LoggedPrediction | undefined;
  /**
   * Attaches ground truth. The first label of a prediction stands: the same label again is
   * `unchanged`, a different one is a `conflict` and changes nothing; an id not in the log is `unknown`.
   */
  label(id: string, label: number | string, at: number): LabelOutcome;
  /** Flagged predictions without a label, newest first. */
  reviewQueue(limit: number): LoggedPrediction[];
  /** Labelled predictions whose label has not been handed upstream, oldest first. */
  unforwardedLabels(limit: number): LoggedPrediction[];
  markLabelsForwarded(ids: readonly string[]): void;
  /** Flagged, unlabelled predictions not yet handed upstream for review, oldest first. */
  unforwardedReviews(limit: number): LoggedPrediction[];
  markReviewsForwarded(ids: readonly string[]): void;
  /** Drops what is over the bounds at `now`; returns how many rows went. */
  prune(now: number): number;
  count(): number;
  close(): void;
}
