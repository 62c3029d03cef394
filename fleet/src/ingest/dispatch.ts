import { OutpostError, errorMessage, parseTopic } from '@outpost/protocol';
import { FleetErrorCodes } from '../errors.ts';
import type { IngestContext, IngestHandler } from './handler.ts';

/**
 * Keeps a rejected message (docs/ARCHITECTURE.md "Bad input"): a bad one is rejected with a logged
 * reason and kept in a dead-letter table, and never crashes the receiver. Never throws.
 */
export function deadLetter(ctx: IngestContext, topic: string, payload: Buffer, err: unknown): void {
  const code = err instanceof OutpostError ? err.code : FleetErrorCodes.INGEST_FAILED;
  const reason = errorMessage(err);
  ctx.counters.deadLetters++;
  ctx.logger.warn({ topic, code, reason, bytes: payload.byteLength }, 'rejected inbound message');
  try {
    ctx.store.addDeadLetter({ topic, payload, code, reason, receivedAt: new Date(ctx.clock.now()).toISOString() });
  } catch (storeErr) {
    ctx.logger.error({ topic, code, err: errorMessage(storeErr) }, 'could not store dead letter');
  }
}

/**
 * Runs one message through its handler; any failure becomes a dead letter, never an exception.
 * What was stored is receipted to the gateway that relayed it, only after the store call returned
 * (docs/ARCHITECTURE.md "Telemetry"); a message that could not be stored is not receipted, so its
 * gateway keeps it and sends it again.
 */
export function dispatch(handler: IngestHandler, ctx: IngestContext, topic: string, payload: Buffer): void {
  let ingested;
  try {
    const parsed = parseTopic(topic);
    ingested = handler.handle(parsed.id, payload, ctx);
  } catch (err) {
    deadLetter(ctx, topic, payload, err);
    return;
  }
  if (ingested) ctx.receipt?.(ingested.gateway, ingested.item);
}
