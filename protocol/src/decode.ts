import type { z } from 'zod';
import { ErrorCodes, OutpostError } from './errors.ts';

/** Default size limit of one inbound MQTT message or HTTP body. */
export const MAX_MESSAGE_BYTES = 512 * 1024;

/** Validates an already-parsed value; throws OUTPOST_ERR_SCHEMA_INVALID naming the first bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  const message = issue?.message ?? 'invalid';
  throw new OutpostError(ErrorCodes.SCHEMA_INVALID, `${what}: field ${field}: ${message}`, {
    details: {
      field,
      issues: result.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    },
  });
}

/**
 * Reads a message from bytes: size limit, JSON, schema. Every receiver goes through this, so every
 * bad message fails the same three ways with the same codes (docs/ARCHITECTURE.md "Bad input").
 */
export function decode<S extends z.ZodType>(
  schema: S,
  payload: Uint8Array | string,
  what: string,
  maxBytes: number = MAX_MESSAGE_BYTES,
): z.output<S> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > maxBytes) {
    throw new OutpostError(ErrorCodes.PAYLOAD_TOO_LARGE, `${what}: ${size} bytes exceeds the limit of ${maxBytes}`, {
      details: { size, maxBytes },
    });
  }
  const text =
    typeof payload === 'string'
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new OutpostError(ErrorCodes.NOT_JSON, `${what}: not JSON`, { cause });
  }
  return validate(schema, value, what);
}

/** Bytes of a message to publish (the inverse of `decode`). */
export function encode(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
