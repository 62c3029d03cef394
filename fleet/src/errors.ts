import { OutpostError } from '@outpost/protocol';

/**
 * The fleet's own error codes (CONVENTIONS.md "Errors and logs"), on top of the protocol's
 * `ErrorCodes`. Every code is listed in docs/errors.md.
 */
export const FleetErrorCodes = {
  /** A (model name, version) is already registered with a different artifact id. */
  VERSION_EXISTS: 'OUTPOST_ERR_VERSION_EXISTS',
  /** No registered artifact has that id, or that (model name, version). */
  ARTIFACT_NOT_FOUND: 'OUTPOST_ERR_ARTIFACT_NOT_FOUND',
  /** A message's topic id differs from the device/source named in its payload. */
  TOPIC_MISMATCH: 'OUTPOST_ERR_TOPIC_MISMATCH',
  /** A drift report or assignment names a model with no registered version. */
  UNKNOWN_MODEL: 'OUTPOST_ERR_UNKNOWN_MODEL',
  /** A command-line argument is missing or malformed. */
  CLI_ARGS: 'OUTPOST_ERR_CLI_ARGS',
  /** The CLI could not connect to the MQTT broker in time. */
  BROKER_UNREACHABLE: 'OUTPOST_ERR_BROKER_UNREACHABLE',
  /** An artifact folder cannot be read (missing folder or manifest.json). */
  ARTIFACT_UNREADABLE: 'OUTPOST_ERR_ARTIFACT_UNREADABLE',
  /** A message handler failed for a reason other than bad input (e.g. the store); the message is dead-lettered. */
  INGEST_FAILED: 'OUTPOST_ERR_INGEST_FAILED',
} as const;

export type FleetErrorCode = (typeof FleetErrorCodes)[keyof typeof FleetErrorCodes];

export function fleetError(
  code: FleetErrorCode,
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): OutpostError {
  return new OutpostError(code, message, {
    ...(details ? { details } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}
