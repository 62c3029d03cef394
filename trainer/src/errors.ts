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
  /** The CLI was asked for a dataset it does not know. */
  DATASET_UNKNOWN: 'OUTPOST_ERR_DATASET_UNKNOWN',
  /** A command-line argument is invalid; `details.field` names it. */
  CLI_ARGS: 'OUTPOST_ERR_CLI_ARGS',
} as const;

export type TrainerErrorCode = (typeof TrainerErrorCodes)[keyof typeof TrainerErrorCodes];

export function trainerError(code: TrainerErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown): OutpostError {
  return new OutpostError(code, message, { details, cause });
}
