import { OutpostError } from '@outpost/protocol';

/**
 * The gateway's own error codes (CONVENTIONS.md "Errors and logs"); protocol codes
 * (`ErrorCodes` in @outpost/protocol) are used as they are. Tests assert the code.
 */
export const GatewayErrorCodes = {
  /**
   * A message's topic names one node and its payload another (a device publishing as someone
   * else). The fleet uses the same string.
   */
  TOPIC_MISMATCH: 'OUTPOST_ERR_TOPIC_MISMATCH',
  /** The `outpost gateway` command was given missing or invalid arguments. */
  CLI_ARGS: 'OUTPOST_ERR_CLI_ARGS',
  /** An assigned artifact could not be fetched, verified or written to the cache. */
  ARTIFACT_CACHE: 'OUTPOST_ERR_ARTIFACT_CACHE',
  /** The gateway was used after close(). */
  GATEWAY_CLOSED: 'OUTPOST_ERR_GATEWAY_CLOSED',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCodes)[keyof typeof GatewayErrorCodes];

export function gatewayError(
  code: GatewayErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): OutpostError {
  return new OutpostError(code, message, options);
}
