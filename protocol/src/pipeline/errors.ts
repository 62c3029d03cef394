import { defineErrors } from '../error-registry.ts';
import { OutpostError } from '../outpost-error.ts';

/** Codes of the fitted preprocessing pipeline (the apply half shared by the trainer and the device). */
export const PipelineErrorCodes = defineErrors(
  'protocol',
  {
    STEP_UNKNOWN:
      'a fitted preprocessing pipeline (e.g. a .tflite input transform) has a step kind this runtime cannot apply — a pipeline from a newer trainer; `details.op`, `details.index`, `details.known`. The device refuses the model (update the device)',
    STEP_INVALID:
      'a fitted step meets the wrong columns (no such column, wrong kind, a name that already exists, a scale of another width, a design feature no step made); `details.step`, `details.column`, `details.reason` (the trainer re-codes it as `OUTPOST_ERR_PREPROCESS_STEP_INVALID`)',
  },
  { prefix: 'PIPELINE_' },
);

export function pipelineStepError(op: string, column: string, reason: string): OutpostError {
  return new OutpostError(PipelineErrorCodes.STEP_INVALID, `preprocessing step ${op} (${column}): ${reason}`, {
    details: { step: op, column, reason },
  });
}
