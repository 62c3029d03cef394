import { z } from 'zod';
import { Count, Finite, FeatureValue, Id, IsoTime, Sha256 } from './common.ts';

/** The artifact manifest (docs/ARCHITECTURE.md "Artifact"). */
export const MANIFEST_SCHEMA = 'outpost.manifest/1';

export const InputSpec = z.strictObject({
  name: z.string().min(1).max(128),
  type: z.enum(['float', 'string']),
  unit: z.string().max(64).optional(),
  /** Allowed range seen in training, [min, max]; values outside count as out-of-range. */
  range: z.tuple([Finite, Finite]).optional(),
  /** Known categories of a string input; others are "unseen" (all-zero one-hot). */
  categories: z.array(z.string()).optional(),
  description: z.string().max(512).optional(),
  /**
   * Whether a 'float' input may be missing (null, absent, not a finite number) at prediction time:
   * 'allowed' when the model's graph imputes it and the problem expects it missing in use,
   * 'rejected' when it is required. Optional: manifests written before this field are read by the
   * device as documented in docs/SECURITY.md "Prediction input".
   */
  missing: z.enum(['allowed', 'rejected']).optional(),
});
export type InputSpec = z.infer<typeof InputSpec>;

export const OutputSpec = z.strictObject({
  name: z.string().min(1).max(128),
  type: z.enum(['float', 'int64', 'string']),
  /** Shape per row, e.g. [1] for a regression value, [k] for k class probabilities. */
  shape: z.array(z.number().int().positive()),
  description: z.string().max(512).optional(),
});

/**
 * One file of the artifact. Roles: 'model' the ONNX model devices run (model.onnx); 'model-float'
 * the float ONNX model beside an int8 one; 'model-tflite' the same model as .tflite for the TFLite
 * engine (FULLY_CONNECTED layers, the preprocessing as the input transform in its metadata), only
 * for linear, logistic and MLP models; 'card', 'report', 'other'.
 */
export const FileEntry = z.strictObject({
  path: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a plain file name in the artifact folder'),
  role: z.enum(['model', 'model-float', 'model-tflite', 'card', 'report', 'other']),
  bytes: Count,
  sha256: Sha256,
});
export type FileEntry = z.infer<typeof FileEntry>;

export const GoldenExample = z.strictObject({
  inputs: z.record(z.string(), FeatureValue),
  /** Expected outputs by output name, flattened per row. */
  outputs: z.record(z.string(), z.array(Finite)),
});
export type GoldenExample = z.infer<typeof GoldenExample>;

export const NumericReference = z.strictObject({
  kind: z.literal('numeric'),
  /** Interior cut points, ascending; k edges make k + 1 bins (see `binIndex`). */
  edges: z.array(Finite),
  /** Fraction of training rows per bin; length edges.length + 1. */
  freqs: z.array(Finite),
  missing: Finite,
});
export const CategoricalReference = z.strictObject({
  kind: z.literal('categorical'),
  categories: z.array(z.string()),
  freqs: z.array(Finite),
  missing: Finite,
});
export const FeatureReference = z.discriminatedUnion('kind', [NumericReference, CategoricalReference]);
export type FeatureReference = z.infer<typeof FeatureReference>;

export const ReferenceProfile = z
  .strictObject({
    rows: Count,
    features: z.record(z.string(), FeatureReference),
    prediction: NumericReference,
  })
  .superRefine((ref, ctx) => {
    const check = (r: FeatureReference, path: (string | number)[]): void => {
      const want = r.kind === 'numeric' ? r.edges.length + 1 : r.categories.length;
      if (r.freqs.length !== want)
        ctx.addIssue({ code: 'custom', path, message: `freqs needs ${want} entries, has ${r.freqs.length}` });
    };
    for (const [name, r] of Object.entries(ref.features)) check(r, ['features', name, 'freqs']);
    check(ref.prediction, ['prediction', 'freqs']);
  });
export type ReferenceProfile = z.infer<typeof ReferenceProfile>;

export const MetricSummary = z.strictObject({
  metric: z.string(),
  value: Finite,
  std: Finite.optional(),
  ci95: z.tuple([Finite, Finite]).optional(),
  folds: z.number().int().positive().optional(),
});
export type MetricSummary = z.infer<typeof MetricSummary>;

export const Signature = z.strictObject({
  alg: z.literal('ed25519'),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  value: z.string().min(1),
});
export type Signature = z.infer<typeof Signature>;

export const Manifest = z.strictObject({
  schema: z.literal(MANIFEST_SCHEMA),
  name: Id,
  version: z.number().int().positive(),
  parentVersion: z.number().int().positive().nullable(),
  createdAt: IsoTime,
  task: z.enum(['regression', 'binary', 'multiclass']),
  inputs: z.array(InputSpec).min(1),
  outputs: z.array(OutputSpec).min(1),
  /** Name of the output whose first value is "the prediction" for telemetry and the REST API. */
  predictionOutput: z.string(),
  files: z.array(FileEntry).min(1),
  metrics: z.record(z.string(), MetricSummary),
  trainingData: z.strictObject({ fingerprint: Sha256, rows: Count, source: z.string() }),
  golden: z.array(GoldenExample).min(1),
  reference: ReferenceProfile,
  trainer: z.strictObject({ algorithm: z.string(), seed: z.number().int(), params: z.record(z.string(), z.unknown()) }),
  signature: Signature.optional(),
});
export type Manifest = z.infer<typeof Manifest>;
export type UnsignedManifest = Omit<Manifest, 'signature'>;
