import { OutpostError, defineErrors } from '@outpost/protocol';

/** Codes of field retraining (docs/MONITORING.md "Retraining"), registered like the fleet's own (docs/ARCHITECTURE.md "Errors"). */
export const RetrainErrorCodes = defineErrors('fleet', {
  RETRAIN_FRESH_INVALID:
    'the fresh labelled data for a retraining run is unreadable, lacks a column the spec needs or its time column (`details.column`), has an unparseable time (`details.line`), or leaves no rows to train on or to evaluate',
  RETRAIN_NO_CHAMPION: 'a retraining run names a model with no registered, not withdrawn version to compare against',
  RETRAIN_SPEC_MISMATCH:
    "the retraining spec does not describe the model: its name differs from the model's, or its task is one retraining cannot score (multiclass)",
  RETRAIN_BUSY: 'a retraining run of this model is already under way (one run at a time per model)',
  RETRAIN_SETTINGS_INVALID:
    'the retraining settings (`<data-dir>/retrain.json`) are not JSON or do not match their schema',
  RETRAIN_UNKNOWN_RUN: 'a retraining request names a run id the fleet does not have',
});

export type RetrainErrorCode = (typeof RetrainErrorCodes)[keyof typeof RetrainErrorCodes];

export function retrainError(
  code: RetrainErrorCode,
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): OutpostError {
  return new OutpostError(code, message, { ...(details ? { details } : {}), ...(cause ? { cause } : {}) });
}
