import { z } from 'zod';
import { MAX_MESSAGE_BYTES } from '../decode.ts';
import { Count, CountArray, Finite, Id, IsoTime, Sha256 } from './common.ts';

/** Bin counts of one numeric feature over the reference edges (edges.length + 1 bins). */
export const NumericCounts = z.strictObject({
  kind: z.literal('numeric'),
  bins: CountArray,
  missing: Count,
  outOfRange: Count,
  /** Smallest and largest value seen in the window (optional: older devices omit them). */
  min: Finite.optional(),
  max: Finite.optional(),
});
/** Counts of one string feature per reference category, in the reference's order. */
export const CategoricalCounts = z.strictObject({
  kind: z.literal('categorical'),
  counts: CountArray,
  missing: Count,
  /** Values not among the reference categories. */
  unseen: Count,
});
export const FeatureCounts = z.discriminatedUnion('kind', [NumericCounts, CategoricalCounts]);
export type FeatureCounts = z.infer<typeof FeatureCounts>;

/** Fixed latency histogram bounds (ms); bucket i counts latencies ≤ bounds[i], the last counts the rest. */
export const LATENCY_BOUNDS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000] as const;

/**
 * How a shadow candidate compared with the active model over a window's rows (docs/DEVICE.md
 * "Shadow mode"): for classification the share of rows where both gave the same class; for
 * regression the distribution of candidate − active; and the candidate's own latency.
 */
export const ShadowStats = z.strictObject({
  model: Id,
  version: z.number().int().positive(),
  artifactId: Sha256,
  /** Rows the candidate scored. */
  rows: Count,
  /** Rows the candidate failed on. */
  errors: Count,
  /** Classification: rows where candidate and active agree, over `rows`. */
  agreement: z.number().min(0).max(1).optional(),
  /** Regression: candidate − active. */
  difference: z
    .strictObject({
      mean: Finite,
      meanAbs: Finite.nonnegative(),
      p50Abs: Finite.nonnegative(),
      p90Abs: Finite.nonnegative(),
      maxAbs: Finite.nonnegative(),
    })
    .optional(),
  latency: z.strictObject({ counts: CountArray.length(LATENCY_BOUNDS_MS.length + 1), maxMs: Finite.nonnegative() }),
});
export type ShadowStats = z.infer<typeof ShadowStats>;

/**
 * A telemetry window: a summary, never raw rows (docs/ARCHITECTURE.md "Telemetry"). `(device, seq)` is the
 * idempotency key: the fleet stores each window once however often it is delivered.
 */
export const TelemetryWindow = z.strictObject({
  device: Id,
  gateway: Id.optional(),
  seq: Count,
  model: Id,
  version: z.number().int().positive(),
  artifactId: Sha256,
  windowStart: IsoTime,
  windowEnd: IsoTime,
  rows: Count,
  features: z.record(z.string(), FeatureCounts),
  predictions: z.strictObject({ bins: CountArray, min: Finite.nullable(), max: Finite.nullable(), sum: Finite }),
  latency: z.strictObject({ counts: CountArray.length(LATENCY_BOUNDS_MS.length + 1), maxMs: Finite.nonnegative() }),
  errors: Count,
  /** A shadow candidate's comparison over this window (optional: only while one runs). */
  shadow: ShadowStats.optional(),
});
export type TelemetryWindow = z.infer<typeof TelemetryWindow>;

/** Windows a gateway relays in one message, at most (docs/ARCHITECTURE.md "Telemetry"). */
export const MAX_TELEMETRY_BATCH = 100;
/**
 * Bytes of one relayed batch, at most: a gateway fills a batch up to MAX_MESSAGE_BYTES, and one
 * window alone (itself at most MAX_MESSAGE_BYTES, as every message) fits with the batch's wrapping.
 */
export const MAX_TELEMETRY_BATCH_BYTES = MAX_MESSAGE_BYTES + 64;

/**
 * Telemetry windows a gateway relays to the fleet in one message, on its own `telemetry` topic
 * (the topic names the relaying gateway). Each element is checked as a `TelemetryWindow` by the
 * receiver one by one, so one bad window is rejected alone and does not take its neighbours with it.
 */
export const TelemetryBatch = z.strictObject({
  windows: z.array(z.unknown()).min(1).max(MAX_TELEMETRY_BATCH),
});
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;

/** Ground truth for a prediction, arriving later or from human review. */
export const LabelMessage = z.strictObject({
  device: Id,
  /** Set by the gateway that relayed it. */
  gateway: Id.optional(),
  predictionId: z.string().min(1).max(128),
  label: z.union([Finite, z.string().max(256)]),
  at: IsoTime,
  /**
   * What the device logged for the prediction (optional: older devices omit it), so the fleet joins
   * label and prediction without raw rows (docs/MONITORING.md "Performance").
   */
  prediction: z
    .strictObject({
      value: Finite,
      model: Id,
      version: z.number().int().positive(),
      at: IsoTime,
      confidence: Finite.nullable().optional(),
    })
    .optional(),
});
export type LabelMessage = z.infer<typeof LabelMessage>;

export const CommandMessage = z.strictObject({
  commandId: z.string().min(1).max(64),
  type: z.enum(['ping', 'report-now', 'flush-telemetry']),
  issuedAt: IsoTime,
});
export type CommandMessage = z.infer<typeof CommandMessage>;
