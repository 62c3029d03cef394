import { sha256Hex } from './hash.ts';

/**
 * Bounds for the dead-letter tables of the fleet and the gateway (docs/SECURITY.md "Bounds"): a
 * rejected message is kept as evidence — a prefix of its payload, its size and sha256 — not in
 * full, and a table keeps its newest `maxRows` letters, counting the ones it dropped.
 */
export interface DeadLetterBounds {
  /** Letters kept; the oldest are dropped beyond this (default 10,000). */
  maxRows?: number;
  /** Bytes of each payload kept (default 4 KiB). */
  prefixBytes?: number;
}

export const DEFAULT_DEAD_LETTER_MAX_ROWS = 10_000;
export const DEFAULT_DEAD_LETTER_PREFIX_BYTES = 4096;

/** The bounds with defaults filled in; throws nothing (non-positive values fall back to defaults). */
export function deadLetterBounds(b: DeadLetterBounds = {}): Required<DeadLetterBounds> {
  const pos = (v: number | undefined, d: number): number => (v !== undefined && Number.isInteger(v) && v > 0 ? v : d);
  return {
    maxRows: pos(b.maxRows, DEFAULT_DEAD_LETTER_MAX_ROWS),
    prefixBytes: pos(b.prefixBytes, DEFAULT_DEAD_LETTER_PREFIX_BYTES),
  };
}

/** What a dead-letter table keeps of a payload: a copy of its first `prefixBytes`, its size and sha256. */
export function deadLetterPayload(
  payload: Uint8Array,
  prefixBytes: number,
): { prefix: Buffer; payloadBytes: number; payloadSha256: string } {
  return {
    prefix: Buffer.from(payload.subarray(0, prefixBytes)),
    payloadBytes: payload.byteLength,
    payloadSha256: sha256Hex(payload),
  };
}
