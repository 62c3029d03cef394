import { OutpostError, defineErrors, type CliErrorCode, type ProtocolErrorCode } from '@outpost/protocol';

/**
 * The gateway's own error codes, registered in the shared error registry (docs/ARCHITECTURE.md
 * "Errors"); protocol codes (`ErrorCodes` in @outpost/protocol) are used as they are.
 */
export const GatewayErrorCodes = defineErrors('gateway', {
  STORE_WRITE_FAILED:
    "the gateway's store (gateway.db) refused a write: the gateway reports `degraded` with this reason, receipts nothing it could not store (its devices keep those windows and send them again) and deletes nothing from its outbox until it can",
  ARTIFACT_CACHE:
    'an assigned artifact could not be fetched, verified or cached (when the cause has no code of its own)',
});

export type GatewayErrorCode = (typeof GatewayErrorCodes)[keyof typeof GatewayErrorCodes];

export function gatewayError(
  code: GatewayErrorCode | ProtocolErrorCode | CliErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): OutpostError {
  return new OutpostError(code, message, options);
}
