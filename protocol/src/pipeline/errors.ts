import { OutpostError } from '../errors.ts';

/**
 * Codes of the fitted preprocessing pipeline (the apply half shared by the trainer and the device).
 * Listed in docs/errors.md under "Protocol".
 */
export const PipelineErrorCodes = {
  /** A fitted pipeline holds a step kind this runtime cannot apply; `details.op`, `details.index`. */
  STEP_UNKNOWN: 'OUTPOST_ERR_PIPELINE_STEP_UNKNOWN',
  /** A fitted step cannot be applied to the columns it meets (no such column, wrong kind, name clash); `details.step`, `details.column`, `details.reason`. */
  STEP_INVALID: 'OUTPOST_ERR_PIPELINE_STEP_INVALID',
} as const;

export function pipelineStepError(op: string, column: string, reason: string): OutpostError {
  return new OutpostError(PipelineErrorCodes.STEP_INVALID, `preprocessing step ${op} (${column}): ${reason}`, {
    details: { step: op, column, reason },
  });
}
