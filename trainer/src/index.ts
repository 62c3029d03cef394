/**
 * The trainer's public entry: what the CLI, the other workspaces' tests, the benches and users
 * call. Everything else is internal (trainer/test reaches it by path).
 */

export { loadOrCreateKeyPair } from '@outpost/protocol/node';
export { TrainerErrorCodes, type TrainerErrorCode } from './errors.ts';

// Problem spec and data.
export { loadSpec, type LoadedSpec } from './spec/load-spec.ts';
export type { ProblemSpec } from './spec/problem-spec.ts';
export { CleaningStep, FeatureStep } from './spec/steps.ts';
export type { Column, NumericColumn } from './data/dataset.ts';
export { column, encodeTarget, loadSpecData, specFeatureColumns, type Table } from './data/load.ts';
export { splitAndLock } from './data/locked-test.ts';
export { readSourceRaw, type RawTable } from './data/load.ts';
export type { ResolvedSource } from './spec/load-spec.ts';
export { lowerIsBetter } from './spec/problem-spec.ts';
export { metricByName, type Metric } from './eval/metrics.ts';

// Preprocessing fitted on training rows, and its ONNX emission.
export { fitSpecPipeline, transform as transformSpec, type SpecPipeline } from './preprocess/spec-pipeline.ts';
export { emitPreprocessing } from './onnx/preprocess-graph.ts';

// Learners and their saved forms (the learner registry is learners/registry.ts).
export type { FittedModel, Learner, Matrix, Task } from './models/learner.ts';
export { linearLearner } from './models/linear.ts';
export { logisticLearner } from './models/logistic.ts';
export { mlpLearner } from './models/mlp/mlp.ts';
export { forestLearner, type ForestModel } from './models/forest/index.ts';
export { gbdtLearner, type GbdtParams } from './models/gbdt/index.ts';
export { treeNodeCount } from './models/tree.ts';
export type { LinearSaved, MlpSaved, SavedModel } from './model/saved.ts';
export { foldedSaved, reviveModel } from './learners/registry.ts';
export { rmse } from './stats.ts';
export { mulberry32 } from './random.ts';

// Training runs: candidates, CV (folds on the worker pool), tuning, the run itself.
export { candidatesFor, learnerByName, type Candidate, type Params } from './run/candidates.ts';
export {
  crossValidate,
  fitContext,
  fitDesign,
  foldDesigns,
  kFolds,
  summarise,
  type CvOptions,
  type RunData,
} from './run/cv.ts';
export { CvPool } from './run/cv-pool.ts';
export { tune } from './run/tuning.ts';
export { runTraining, type RunTrainingOptions, type TrainingRunResult } from './run/run-training.ts';
export { buildTrainedModel } from './run/trained-model-build.ts';
export type { RawRecord, TrainedModel } from './model/trained-model.ts';

// Signed artifacts.
export { buildArtifact } from './artifact/build.ts';
export { ortWebLatency, LATENCY_RUNS } from './run/latency-budget.ts';
export { exportModelOnnx } from './onnx/export-model.ts';
export { INT8_LADDER, describeInt8 } from './artifact/int8-ladder.ts';
export { runInOrtWeb } from './artifact/ort-runner.ts';

// Export building blocks (benches and the device's engine tests build graphs and .tflite files with them).
export { GraphBuilder, decodeModel, type GraphNaming } from './onnx/graph-builder.ts';
export { emitDense, type BiasStorage, type DenseActivation, type DenseQuant, type Int8Storage } from './onnx/dense.ts';
export type { QuantGranularity } from './onnx/quantize.ts';
export { quantizeDecision } from './onnx/quantize-decision.ts';
export type { HeadContext } from './onnx/heads/common.ts';
export { ensembleOf, treeHead, type TreeExportOptions } from './onnx/heads/tree.ts';
export { compactEnsemble } from './onnx/compact-trees.ts';
export { exportTflite, inputTransform, tfliteLayers, type TfliteSource } from './tflite/export-tflite.ts';
export { writeTflite, type TfliteDense, type TfliteWriteOptions } from './tflite/writer.ts';

export { trainerCommands } from './cli/index.ts';
