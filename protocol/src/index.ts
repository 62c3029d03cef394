/**
 * `@outpost/protocol`: the contract every tier shares (docs/ARCHITECTURE.md) — message and manifest
 * schemas, topics, ids, signing, canonical JSON, the transport interface, coded errors, the runtime
 * (clock, logger) and the preprocessing pipeline the trainer fits and the device applies. Node-only
 * parts are `@outpost/protocol/node` and `@outpost/protocol/broker`. Step-level internals of the
 * pipeline stay in their files; protocol's own tests import them from there.
 */
export * from './errors.ts';
export * from './canonical-json.ts';
export * from './hash.ts';
export * from './ids.ts';
export * from './topics.ts';
export * from './acl.ts';
export * from './transport.ts';
export * from './decode.ts';
export * from './binning.ts';
export * from './csv.ts';
export * from './random.ts';
export * from './backoff.ts';
export * from './last-will.ts';
export * from './openapi.ts';
export {
  generateSigningKeyPair,
  keyId,
  signManifest,
  verifyManifest,
  signDesiredState,
  verifyDesiredState,
  desiredStateSigningBytes,
  manifestBytes,
  artifactIdOf,
  type SigningKeyPair,
} from './signing.ts';
export * from './artifact.ts';
export * from './intent.ts';
export * from './dead-letter.ts';
export * from './runtime.ts';
export * from './schemas/common.ts';
export * from './schemas/manifest.ts';
export * from './schemas/state.ts';
export * from './schemas/artifact-transfer.ts';
export * from './schemas/telemetry.ts';
export * from './schemas/receipt.ts';
export * from './schemas/review.ts';
export * from './receipt-batcher.ts';
// The pipeline: the dispatcher and formats, the fitted form of each step, and the helpers the
// trainer fits steps with.
export { PipelineErrorCodes } from './pipeline/errors.ts';
export {
  f32,
  rawNumber,
  numericColumn,
  categoricalColumn,
  addNumeric,
  replaceCategorical,
  type PipelineFrame,
  type PipelineInput,
} from './pipeline/frame.ts';
export {
  SPEC_PIPELINE_FORMAT,
  PIPELINE_STEP_OPS,
  applyStep,
  applyPipeline,
  type PipelineStep,
  type FittedPipeline,
} from './pipeline/pipeline.ts';
export { parsePipeline } from './pipeline/schema.ts';
export {
  INPUT_TRANSFORM_FORMAT,
  TFLITE_TRANSFORM_METADATA,
  parseInputTransform,
  graphOutputOf,
  type InputTransform,
  type OutputTransform,
} from './pipeline/input-transform.ts';
export type { FittedBin } from './pipeline/steps/bin.ts';
export type { FittedCapped } from './pipeline/steps/capped.ts';
export type { FittedClip } from './pipeline/steps/clip.ts';
export {
  CLUSTER_SIMILARITY_OP,
  clusterSimilarityNames,
  type FittedClusterSimilarity,
} from './pipeline/steps/cluster-similarity.ts';
export type { FittedImpute } from './pipeline/steps/impute.ts';
export { LOG_EPSILON, type FittedLog } from './pipeline/steps/log.ts';
export type { FittedOneHot } from './pipeline/steps/onehot.ts';
export { ORDINAL_UNSEEN, ordinalCodes, type FittedOrdinal } from './pipeline/steps/ordinal.ts';
export { ratioOf, type FittedRatio } from './pipeline/steps/ratio.ts';
export type { FittedRotate } from './pipeline/steps/rotate.ts';
export type { FittedScale } from './pipeline/steps/scale.ts';
