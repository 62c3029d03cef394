/**
 * Coded errors shared by every tier. Tests assert `code`, never the message.
 * Every code is listed in docs/errors.md (a unit test keeps the two in step).
 */
export const ErrorCodes = {
  /** A message or file is not valid JSON. */
  NOT_JSON: 'OUTPOST_ERR_NOT_JSON',
  /** A message or file is larger than its limit. */
  PAYLOAD_TOO_LARGE: 'OUTPOST_ERR_PAYLOAD_TOO_LARGE',
  /** A message fails its schema; `details.field` names the first bad field. */
  SCHEMA_INVALID: 'OUTPOST_ERR_SCHEMA_INVALID',
  /** A topic is not one of the protocol's topics. */
  TOPIC_INVALID: 'OUTPOST_ERR_TOPIC_INVALID',
  /** An identifier (device, gateway, model name) has characters a topic level cannot carry. */
  ID_INVALID: 'OUTPOST_ERR_ID_INVALID',
  /** A manifest has no signature. */
  SIGNATURE_MISSING: 'OUTPOST_ERR_SIGNATURE_MISSING',
  /** A manifest's signature does not verify against the pinned public key. */
  SIGNATURE_INVALID: 'OUTPOST_ERR_SIGNATURE_INVALID',
  /** A file's or chunk's sha256 differs from the one it was promised with. */
  HASH_MISMATCH: 'OUTPOST_ERR_HASH_MISMATCH',
  /** A value cannot be written as canonical JSON (NaN, Infinity, undefined, a function). */
  CANONICAL_JSON: 'OUTPOST_ERR_CANONICAL_JSON',
  /** Malformed CSV (ragged row, unterminated quote, empty file); `details.line` / `column`. */
  CSV: 'OUTPOST_ERR_CSV',
  /** The artifact server has no such artifact or file. */
  ARTIFACT_NOT_FOUND: 'OUTPOST_ERR_ARTIFACT_NOT_FOUND',
  /** A chunk index past the end of the file was asked for. */
  CHUNK_OUT_OF_RANGE: 'OUTPOST_ERR_CHUNK_OUT_OF_RANGE',
  /** The artifact server failed to read a file it has (a disk error, not bad input). */
  ARTIFACT_READ_FAILED: 'OUTPOST_ERR_ARTIFACT_READ_FAILED',
  /** A key file or key string cannot be read as an ed25519 key. */
  KEY_INVALID: 'OUTPOST_ERR_KEY_INVALID',
  /**
   * An artifact chunk reply contradicts its request or the manifest (another index or file, a size
   * or chunk count over the bound): the sender is not trusted, the transfer may be retried.
   */
  TRANSFER_INVALID: 'OUTPOST_ERR_TRANSFER_INVALID',
  /** The artifact server refused a chunk: the artifact is not assigned to the node asking. */
  ARTIFACT_NOT_ASSIGNED: 'OUTPOST_ERR_ARTIFACT_NOT_ASSIGNED',
} as const;

export type ProtocolErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Every Outpost error: a stable code, a human message, optional structured details and cause. */
export class OutpostError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutpostError';
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isOutpostError(err: unknown, code?: string): err is OutpostError {
  return err instanceof OutpostError && (code === undefined || err.code === code);
}

/** The message of any thrown value, for logs and dead-letter reasons. */
export function errorMessage(err: unknown): string {
  if (err instanceof OutpostError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
