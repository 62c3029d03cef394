import { OutpostError } from '@outpost/protocol';

/** Coded errors raised by the trainer. Tests assert `code`, never the message. */
export const TrainerErrorCodes = {
  /** The data file cannot be read. */
  DATA_UNREADABLE: 'OUTPOST_ERR_DATA_UNREADABLE',
  /** The data file is empty or has a header but no rows. */
  DATA_EMPTY: 'OUTPOST_ERR_DATA_EMPTY',
  /** The target column is not in the header. */
  DATA_TARGET_MISSING: 'OUTPOST_ERR_DATA_TARGET_MISSING',
  /** A row has no target value; `details.line` names it. */
  DATA_TARGET_EMPTY: 'OUTPOST_ERR_DATA_TARGET_EMPTY',
  /** An expected feature column is not in the header. */
  DATA_COLUMN_MISSING: 'OUTPOST_ERR_DATA_COLUMN_MISSING',
  /** Text in a numeric column; `details` has file, line, column (1-based) and columnName. */
  DATA_NOT_NUMERIC: 'OUTPOST_ERR_DATA_NOT_NUMERIC',
  /** Too few rows to split or cross-validate. */
  DATA_TOO_SMALL: 'OUTPOST_ERR_DATA_TOO_SMALL',
  /** A linear system has no (numerically) positive-definite solution. */
  MODEL_SINGULAR: 'OUTPOST_ERR_MODEL_SINGULAR',
  /** An ONNX graph under construction is inconsistent (a builder misuse, i.e. a bug). */
  ONNX_GRAPH_INVALID: 'OUTPOST_ERR_ONNX_GRAPH_INVALID',
  /** A command-line argument is invalid; `details.field` names it. */
  CLI_ARGS: 'OUTPOST_ERR_CLI_ARGS',
  /** Class labels are not integers in 0..k-1; `details` has the row or label. */
  MODEL_LABELS_INVALID: 'OUTPOST_ERR_MODEL_LABELS_INVALID',
  /** A learner hyperparameter is out of range; `details.param` names it. */
  MODEL_PARAM_INVALID: 'OUTPOST_ERR_MODEL_PARAM_INVALID',
  /** An evaluation metric name is not one the trainer knows; `details.metric` names it. */
  METRIC_UNKNOWN: 'OUTPOST_ERR_METRIC_UNKNOWN',
  /** The problem spec file cannot be read or is not valid YAML; `details.file` names it. */
  SPEC_UNREADABLE: 'OUTPOST_ERR_SPEC_UNREADABLE',
  /** The problem spec breaks its schema; `details` has file, field (path) and problem. */
  SPEC_INVALID: 'OUTPOST_ERR_SPEC_INVALID',
  /** The spec names a column the data does not have; `details` has field and columnName. */
  SPEC_COLUMN_UNKNOWN: 'OUTPOST_ERR_SPEC_COLUMN_UNKNOWN',
  /** A SQLite data source cannot be opened or its table/query fails; `details.file` names it. */
  DATA_SQLITE: 'OUTPOST_ERR_DATA_SQLITE',
  /** The target does not fit the task (e.g. binary with other than 2 classes, text for regression). */
  DATA_TARGET_INVALID: 'OUTPOST_ERR_DATA_TARGET_INVALID',
  /** A run folder has no locked test set (test-set.json / test-set.csv). */
  TEST_SET_MISSING: 'OUTPOST_ERR_TEST_SET_MISSING',
  /** The locked test set's bytes no longer match the sha256 recorded when it was locked. */
  TEST_SET_TAMPERED: 'OUTPOST_ERR_TEST_SET_TAMPERED',
  /** The test ledger has a line that is not a valid entry; `details.line` names it. */
  LEDGER_CORRUPT: 'OUTPOST_ERR_LEDGER_CORRUPT',
  /** A cleaning or feature step does not fit the data (unknown column, wrong column kind, bad value); `details` names the step and column. */
  PREPROCESS_STEP_INVALID: 'OUTPOST_ERR_PREPROCESS_STEP_INVALID',
  /** A value the trainer needs is empty (e.g. the time column of a time split); `details` has file, line, columnName. */
  DATA_VALUE_MISSING: 'OUTPOST_ERR_DATA_VALUE_MISSING',
  /** A worker thread (e.g. one building forest trees) crashed or exited before posting its results. */
  MODEL_WORKER_FAILED: 'OUTPOST_ERR_MODEL_WORKER_FAILED',
  /** `outpost test` has no model evaluator wired in, so it refuses to open the test set. */
  TEST_EVALUATOR_MISSING: 'OUTPOST_ERR_TEST_EVALUATOR_MISSING',
  /** A spec's `candidates` entry names an unknown learner, a parameter it lacks, or a learner unfit for the task; `details.field` names it. */
  RUN_CANDIDATE_INVALID: 'OUTPOST_ERR_RUN_CANDIDATE_INVALID',
  /** A run folder is missing a file `outpost test` needs (run.json, model.json, pipeline.json) or it is unreadable; `details.file` names it. */
  RUN_INVALID: 'OUTPOST_ERR_RUN_INVALID',
  /** A saved model has a kind (or shape) no reviver knows; `details.kind` names it. */
  RUN_MODEL_UNKNOWN: 'OUTPOST_ERR_RUN_MODEL_UNKNOWN',
  /** A TFLite model cannot be written from the given layers (no layers, or shapes that do not chain). */
  TFLITE_MODEL_INVALID: 'OUTPOST_ERR_TFLITE_MODEL_INVALID',
  /** The model's learner kind has no ONNX exporter; `details.kind` names it. */
  ONNX_EXPORT_UNSUPPORTED: 'OUTPOST_ERR_ONNX_EXPORT_UNSUPPORTED',
  /** The artifact version folder to write already exists; `details` has dir and version. */
  ARTIFACT_VERSION_EXISTS: 'OUTPOST_ERR_ARTIFACT_VERSION_EXISTS',
} as const;

export type TrainerErrorCode = (typeof TrainerErrorCodes)[keyof typeof TrainerErrorCodes];

export function trainerError(
  code: TrainerErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): OutpostError {
  return new OutpostError(code, message, { details, cause });
}
