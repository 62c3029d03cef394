import { OutpostError, defineErrors, type CliErrorCode, type ProtocolErrorCode } from '@outpost/protocol';

/**
 * Coded errors raised by the trainer, registered in the shared error registry (docs/ARCHITECTURE.md
 * "Errors"). Tests assert `code`, never the message.
 */
export const TrainerErrorCodes = defineErrors('trainer', {
  DATA_UNREADABLE: 'the data file cannot be read',
  DATA_EMPTY: 'the data file is empty, or has a header and no rows',
  DATA_TARGET_MISSING: 'the target column is not in the header',
  DATA_TARGET_EMPTY: 'a row has no target value; `details.line`',
  DATA_COLUMN_MISSING: 'an expected feature column is not in the header',
  DATA_NOT_NUMERIC: 'text in a numeric column; `details` has file, line, column, columnName, value',
  DATA_TOO_SMALL: 'too few rows to split or cross-validate',
  MODEL_SINGULAR: 'a linear system has no positive-definite solution',
  ONNX_GRAPH_INVALID: 'an ONNX graph under construction is inconsistent (a bug in an exporter)',
  MODEL_LABELS_INVALID: 'class labels are not integers in 0..k-1; `details` has the row or label',
  MODEL_PARAM_INVALID: 'a learner hyperparameter is out of range; `details.param` names it',
  METRIC_UNKNOWN: 'the metric name is not known; `details.metric`',
  SPEC_UNREADABLE: 'the problem spec cannot be read or is not valid YAML',
  SPEC_INVALID: 'the spec breaks its schema; `details` has the file, the field path and the problem',
  SPEC_COLUMN_UNKNOWN: 'the spec names a column the data does not have; `details` has the field and the column',
  DATA_SQLITE: 'a SQLite table or query in a data source failed',
  DATA_TARGET_INVALID:
    'the target does not fit the task (a binary task without exactly two classes, text for regression)',
  TEST_SET_MISSING: 'the run folder has no locked test set',
  TEST_SET_TAMPERED: 'the locked test rows no longer match their recorded sha256',
  LEDGER_CORRUPT: 'a line of the test ledger is not a valid entry',
  PREPROCESS_STEP_INVALID:
    'a cleaning or feature step does not fit the data (unknown column, wrong kind, bad constant or bounds); `details.step`, `details.column`',
  DATA_VALUE_MISSING: 'a value the trainer needs is empty (e.g. in a time-split column)',
  DATA_TIME_INVALID:
    "a time-split value does not parse under the spec's `split.format` (or names a day that does not exist); `details` has file, line, column, columnName, value and format",
  MODEL_WORKER_FAILED:
    'a worker thread (forest trees, CV folds, tuning trials) crashed or exited before posting its results',
  TEST_EVALUATOR_MISSING:
    '`outpost test` has no model evaluator for the run, so it refuses before opening the test set',
  RUN_CANDIDATE_INVALID:
    "a spec's `candidates` entry names an unknown learner, a parameter it lacks, or a learner unfit for the task; `details.field`",
  RUN_INVALID:
    'a run folder lacks a file `outpost test` needs (run.json, model.json, pipeline.json) or it is unreadable; `details.file`',
  RUN_MODEL_UNKNOWN: 'a saved model has a kind (or shape) no reviver knows; `details.kind`',
  TFLITE_MODEL_INVALID:
    'a TFLite model cannot be written: no layers, shapes that do not chain, width ≠ pipeline width, a learner with no .tflite form (`details.reason` `kind-unsupported`), a preprocessing step the device transform cannot apply (`pipeline-step-unsupported`, `details.steps`), or an ONNX file whose dense layers cannot be read (`onnx-structure`). `buildArtifact` then writes no model.tflite and says why',
  ONNX_EXPORT_UNSUPPORTED: "the model's learner kind has no ONNX exporter; `details.kind`",
  ARTIFACT_GOLDEN_MISMATCH:
    "the exported model's outputs on a golden example disagree with the trainer's in-process model beyond the bound (a wrong export); `details` has file, example, output, index, expected, actual and bound",
  ARTIFACT_VERSION_EXISTS:
    'the artifact version folder already exists (artifacts are immutable); `details` has dir and version',
});

export type TrainerErrorCode = (typeof TrainerErrorCodes)[keyof typeof TrainerErrorCodes];

export function trainerError(
  code: TrainerErrorCode | ProtocolErrorCode | CliErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): OutpostError {
  return new OutpostError(code, message, { details, cause });
}
