/**
 * The cleaning and feature steps a problem spec may declare. The spec loader
 * validates them with these schemas; the preprocessing pipeline fits them on training rows only;
 * the ONNX exporter writes every step that touches a feature into the graph, so a device feeds raw
 * named inputs. Row-level steps (drop_duplicates, capped with action 'drop') act on training rows
 * only and leave no trace in the graph.
 */
import { z } from 'zod';

const Column = z.string().min(1);
const Columns = z.array(Column).min(1);

export const ImputeStep = z.strictObject({
  op: z.literal('impute'),
  /** Default: every feature column. */
  columns: Columns.optional(),
  strategy: z.enum(['median', 'mean', 'mode', 'constant']),
  value: z.union([z.number(), z.string()]).optional(),
  /** Adds `<column>_missing` (0/1) features. */
  indicator: z.boolean().default(false),
});

export const DropDuplicatesStep = z.strictObject({ op: z.literal('drop_duplicates') });

export const ClipStep = z.strictObject({
  op: z.literal('clip'),
  columns: Columns,
  /** Bounds from training quantiles, e.g. [0.01, 0.99]; or fixed `bounds`. */
  quantiles: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).optional(),
  bounds: z.tuple([z.number(), z.number()]).optional(),
});

/** Capped values (a spike at the maximum, like median_house_value at 500001). */
export const CappedStep = z.strictObject({
  op: z.literal('capped'),
  column: Column,
  action: z.enum(['drop', 'flag']),
  /** The cap; default: the column's maximum when it is a spike. */
  value: z.number().optional(),
});

export const RatioStep = z.strictObject({
  op: z.literal('ratio'),
  name: Column,
  numerator: Column,
  denominator: Column,
});

export const LogStep = z.strictObject({
  op: z.literal('log'),
  columns: Columns,
  /** log(x + offset); default 1 (log1p). */
  offset: z.number().default(1),
});

export const BinStep = z.strictObject({
  op: z.literal('bin'),
  column: Column,
  name: Column.optional(),
  /** Fixed interior edges, or `bins` quantile bins from training rows. */
  edges: z.array(z.number()).optional(),
  bins: z.number().int().min(2).max(255).optional(),
});

/** Rotated coordinates: x·cos a + y·sin a, for trees on diagonal boundaries (e.g. the coast). */
export const RotateStep = z.strictObject({
  op: z.literal('rotate'),
  name: Column,
  x: Column,
  y: Column,
  degrees: z.number(),
});

/**
 * Similarity to k-means centres (RBF): `<name>_0 … <name>_{k-1}` = exp(−gamma · ‖x − c_j‖²), x the
 * step's numeric columns as the earlier steps left them, the centres fitted on training rows.
 */
export const ClusterSimilarityStep = z.strictObject({
  op: z.literal('cluster_similarity'),
  name: Column,
  columns: Columns.refine((cs) => new Set(cs).size === cs.length, { error: 'columns must be distinct' }),
  k: z.number().int().min(1).max(256),
  gamma: z.number().gt(0, { error: 'must be > 0' }),
  /** Seeds k-means++ and its restarts; default the pipeline's seed (0 when none is given). */
  seed: z.number().int().optional(),
});

export const OneHotStep = z.strictObject({ op: z.literal('onehot'), columns: Columns.optional() });
export const OrdinalStep = z.strictObject({
  op: z.literal('ordinal'),
  column: Column,
  order: z.array(z.string()).min(1),
});
export const ScaleStep = z.strictObject({ op: z.literal('scale'), method: z.enum(['standard', 'none']) });

export const CleaningStep = z.discriminatedUnion('op', [ImputeStep, DropDuplicatesStep, ClipStep, CappedStep]);
export const FeatureStep = z.discriminatedUnion('op', [
  RatioStep,
  LogStep,
  BinStep,
  RotateStep,
  ClusterSimilarityStep,
  OneHotStep,
  OrdinalStep,
  ScaleStep,
]);
export type CleaningStep = z.infer<typeof CleaningStep>;
export type FeatureStep = z.infer<typeof FeatureStep>;
