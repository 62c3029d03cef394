import { OutpostError, defineErrors, type CliErrorCode, type ProtocolErrorCode } from '@outpost/protocol';

/**
 * The device's coded errors, registered in the shared error registry (docs/ARCHITECTURE.md
 * "Errors"); protocol codes (HASH_MISMATCH, SIGNATURE_INVALID, SCHEMA_INVALID, …) pass through unchanged.
 */
export const DeviceErrorCodes = defineErrors('device', {
  NO_MODEL: 'no model is active yet (HTTP 503)',
  SMOKE_TEST_FAILED:
    "a downloaded model's outputs differ from its manifest's golden examples; the previous model stays active",
  VERSION_NOT_NEWER:
    "an artifact's version is older than the last accepted version of that model, and no signed rollback names it (downgrade protection)",
  MODEL_LOAD: 'the inference engine cannot load the model, or the model does not match its manifest',
  MODEL_FILE_MISSING:
    "an artifact has no file for the device's engine: `details.role` is the role that engine runs (`model` for onnxruntime-web, `model-tflite` for TFLite, e.g. no model.tflite for a tree model), `details.engine`, and `details.files` lists the files it does have. The update is refused before the slot is written, and the previous model stays active",
  INPUT_INVALID: 'prediction input (HTTP body or rows) is malformed (HTTP 400)',
  INFERENCE_FAILED: 'the inference engine failed while running a batch',
  ASSIGNMENT_MISMATCH: 'a downloaded artifact is not the model the desired state assigned',
  PREDICTION_UNKNOWN: 'a label names a prediction id the prediction log does not hold (HTTP 404)',
  LABEL_CONFLICT: 'a prediction already has a different label; the first label stands (HTTP 409)',
  STORAGE: "a file under the device's data directory cannot be read or written",
  TIMEOUT: 'waiting for a model gave up',
  BOARD_CONFIG_INVALID:
    'a board config (`outpost device --board`) is not valid YAML or does not match the schema; `details.issues` lists each problem with its path',
  BOARD_UNAVAILABLE:
    "a board config's IO plugin cannot be loaded or constructed, or the board did not report ready within `board.readyTimeoutMs`",
  UPDATE_FAILED: 'an update failed for a reason without a code of its own; reported with the message',
  INTERNAL:
    "the device's HTTP API hit an unexpected error (HTTP 500, logged with its cause); the service keeps running",
});

export type DeviceErrorCode = (typeof DeviceErrorCodes)[keyof typeof DeviceErrorCodes];

export function deviceError(
  code: DeviceErrorCode | ProtocolErrorCode | CliErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): OutpostError {
  return new OutpostError(code, message, options);
}
