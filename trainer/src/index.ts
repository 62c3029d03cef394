import type { Command } from 'commander';
import { createBuildCommand } from './cli/build-command.ts';
import { exploreCommand } from './cli/explore-command.ts';
import { createSpecTestCommand } from './cli/train-spec.ts';
import { createTrainCommand } from './cli/train-command.ts';

// Keys.
export { loadOrCreateKeyPair } from '@outpost/protocol/node';
export { TrainerErrorCodes, type TrainerErrorCode } from './errors.ts';

// Problem spec and data (workflow steps 1–2).
export { loadSpec, parseSpec, checkSpecColumns, type LoadedSpec, type ResolvedSource } from './spec/load-spec.ts';
export { ProblemSpec, type SplitSpec, lowerIsBetter, atLeastAsGood } from './spec/problem-spec.ts';
export { CleaningStep, FeatureStep } from './spec/steps.ts';
export {
  loadSpecData,
  loadTable,
  toDataset,
  encodeTarget,
  takeTableRows,
  type Table,
  type SpecData,
} from './data/load.ts';
export { splitThreeWay, type ThreeWaySplit } from './data/split3.ts';
export {
  splitAndLock,
  writeLockedTestSets,
  readLockedTestSets,
  openTestSet,
  LockedTestSet,
  type SplitResult,
  type TestEvaluation,
} from './data/locked-test.ts';
export { TestLedger, ledgerPathFor, type LedgerEntry } from './data/ledger.ts';
export { exploreSpec } from './explore/explore-spec.ts';
export { exploreReport } from './explore/html.ts';
export { exploreSummary } from './explore/summary.ts';

// Preprocessing fitted on training rows, and its ONNX emission.
export {
  fitSpecPipeline,
  transform as transformSpec,
  transformRecords as transformSpecRecords,
  featureNames as specFeatureNames,
  SPEC_PIPELINE_FORMAT,
  type SpecPipeline,
  type SpecPipelineFit,
} from './preprocess/spec-pipeline.ts';
export { emitPreprocessing } from './onnx/preprocess-graph.ts';

// Learners (workflow step 3) and evaluation (step 4).
export type { Learner, FittedModel, Matrix, Task, FitContext } from './models/learner.ts';
export type { Tree, TreeEnsemble } from './models/tree.ts';
export { meanLearner, medianLearner, majorityLearner } from './models/baseline.ts';
export { linearLearner } from './models/linear.ts';
export { logisticLearner } from './models/logistic.ts';
export { mlpLearner } from './models/mlp/mlp.ts';
export { treeLearner, EnsembleModel, type CartParams } from './models/cart/index.ts';
export { forestLearner, ForestModel, type ForestParams } from './models/forest/index.ts';
export { gbdtLearner, GbdtModel, type GbdtParams } from './models/gbdt/index.ts';
export { metricByName } from './eval/metrics.ts';
export { bootstrapCi } from './eval/bootstrap.ts';
export { permutationImportance } from './eval/importance.ts';

// Spec-driven training runs (workflow steps 3–4): CV, tuning, ensembles, the run folder, `outpost test`.
export { runTraining, type RunTrainingOptions, type TrainingRunResult } from './run/run-training.ts';
export { candidatesFor, learnerByName, type Candidate } from './run/candidates.ts';
export { kFolds, crossValidate, design as designRows, type RunData, type Fold } from './run/cv.ts';
export { tune, type TuningResult } from './run/tuning.ts';
export { EnsembleModel as AveragingEnsemble, type EnsembleJSON } from './run/ensemble.ts';
export { StackingModel, fitStackMeta, type StackingJSON, type StackMeta } from './run/stacking.ts';
export { decide, type Decision } from './run/decision.ts';
export { errorAnalysis, type ErrorAnalysis } from './run/error-analysis.ts';
export { saveRun, loadRunModel, loadRunRecord, type RunRecord, type TestRecord } from './run/run-dir.ts';
export { reviveModel, saveModel, plainJSON } from './run/revive.ts';
export { evaluateRun, finalDecision } from './run/evaluate-test.ts';
export { trainSpec, createSpecTestCommand, EXIT_NO_GO } from './cli/train-spec.ts';
export type { TrainedModel, RawRecord } from './run/trained-model.ts';
export { exportModelOnnx } from './onnx/export-model.ts';
export { modelOutputs } from './onnx/model-outputs.ts';
export { buildArtifact } from './artifact/build.ts';

// Export building blocks: ONNX graph writing, dense layers (float / int8), TFLite.
export { GraphBuilder, decodeModel } from './onnx/graph-builder.ts';
export { emitDense, type DenseQuant } from './onnx/dense.ts';
export { quantizeDecision, DEFAULT_QUANT_TOLERANCE } from './onnx/quantize-decision.ts';
export {
  exportTflite,
  exportModelTflite,
  inputTransform,
  tfliteLayers,
  tfliteUnsupportedReason,
  TFLITE_TRANSFORM_METADATA,
  type TfliteSource,
} from './tflite/export-tflite.ts';
export { mulberry32 } from './random.ts';

/** The trainer's CLI commands, fresh instances for the root `outpost` program to add. */
export function trainerCommands(): Command[] {
  return [createTrainCommand(), exploreCommand(), createSpecTestCommand(), createBuildCommand()];
}
