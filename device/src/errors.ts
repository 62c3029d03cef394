import { OutpostError } from '@outpost/protocol';

/**
 * The device's coded errors (CONVENTIONS.md "Errors and logs"); protocol codes (HASH_MISMATCH,
 * SIGNATURE_INVALID, SCHEMA_INVALID, …) pass through unchanged. Tests assert `code`.
 */
export const DeviceErrorCodes = {
  /** No model is active yet: nothing to predict with. */
  NO_MODEL: 'OUTPOST_ERR_NO_MODEL',
  /** A downloaded model's outputs differ from its manifest's golden examples. */
  SMOKE_TEST_FAILED: 'OUTPOST_ERR_SMOKE_TEST_FAILED',
  /** An artifact's version is not newer than the last accepted version of that model. */
  VERSION_NOT_NEWER: 'OUTPOST_ERR_VERSION_NOT_NEWER',
  /** The inference engine cannot load a model, or the model does not match its manifest. */
  MODEL_LOAD: 'OUTPOST_ERR_MODEL_LOAD',
  /**
   * An artifact has no file for the device's engine (manifest role `details.role`, e.g. no
   * model.tflite for a TFLite device): refused before its slot is written.
   */
  MODEL_FILE_MISSING: 'OUTPOST_ERR_MODEL_FILE_MISSING',
  /** Prediction input (HTTP body or rows) is malformed. */
  INPUT_INVALID: 'OUTPOST_ERR_INPUT_INVALID',
  /** The inference engine failed while running a batch. */
  INFERENCE_FAILED: 'OUTPOST_ERR_INFERENCE_FAILED',
  /** A downloaded artifact is not the model the desired state assigned (name or version differ). */
  ASSIGNMENT_MISMATCH: 'OUTPOST_ERR_ASSIGNMENT_MISMATCH',
  /** A file under the data directory cannot be read or written. */
  STORAGE: 'OUTPOST_ERR_STORAGE',
  /** Command-line arguments are missing or invalid. */
  CLI_ARGS: 'OUTPOST_ERR_CLI_ARGS',
  /** waitForModel gave up. */
  TIMEOUT: 'OUTPOST_ERR_TIMEOUT',
} as const;

export type DeviceErrorCode = (typeof DeviceErrorCodes)[keyof typeof DeviceErrorCodes];

export function deviceError(
  code: DeviceErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): OutpostError {
  return new OutpostError(code, message, options);
}
