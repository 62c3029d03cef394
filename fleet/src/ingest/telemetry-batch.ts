import { errorMessage, parseTopic } from '@outpost/protocol';
import { deadLetter, dispatch } from './dispatch.ts';
import type { IngestContext } from './handler.ts';
import { acceptTelemetry, telemetryHandler, telemetryStored, type AcceptedWindow } from './telemetry.ts';

/**
 * Windows stored in one transaction, at most: a batch is what arrived in one event-loop turn, cut
 * at this many (docs/ARCHITECTURE.md "Telemetry").
 */
export const MAX_INGEST_BATCH = 200;

interface Pending extends AcceptedWindow {
  topic: string;
  payload: Buffer;
}

export interface TelemetryBatcher {
  /** Checks one relayed window now (bad input becomes a dead letter at once) and queues it for the next batch. */
  add(topic: string, payload: Buffer): void;
  /** Stores and receipts what is queued now (the fleet calls it on close). */
  flush(): void;
}

/**
 * Batched telemetry ingestion (docs/ARCHITECTURE.md "Telemetry"): the windows that passed their
 * checks in one event-loop turn (at most MAX_INGEST_BATCH) are stored in ONE transaction, and only
 * after it committed is each receipted to the gateway that relayed it. When the batch cannot be
 * stored, each window goes through the one-window handler (`telemetryHandler` by `dispatch`), so
 * one that cannot be stored is dead-lettered (and not receipted: its gateway sends it again)
 * without failing its neighbours. Never throws.
 */
export function createTelemetryBatcher(ctx: IngestContext): TelemetryBatcher {
  const pending: Pending[] = [];
  let queued = false;

  function receipt(p: Pending, isNew: boolean): void {
    ctx.receipt?.(p.gateway, telemetryStored(p.window, isNew, ctx));
  }

  function flush(): void {
    queued = false;
    if (pending.length === 0) return;
    const batch = pending.splice(0);
    const receivedAt = new Date(ctx.clock.now()).toISOString();
    let outcomes: boolean[] | undefined;
    try {
      outcomes = ctx.store.insertTelemetryBatch(
        batch.map((p) => p.window),
        receivedAt,
      );
    } catch (err) {
      ctx.logger.warn(
        { windows: batch.length, err: errorMessage(err) },
        'telemetry batch not stored; storing one by one',
      );
    }
    if (outcomes) {
      batch.forEach((p, i) => receipt(p, outcomes[i] === true));
      return;
    }
    for (const p of batch) dispatch(telemetryHandler, ctx, p.topic, p.payload);
  }

  return {
    add(topic, payload) {
      try {
        pending.push({ ...acceptTelemetry(parseTopic(topic).id, payload, ctx), topic, payload });
      } catch (err) {
        deadLetter(ctx, topic, payload, err);
        return;
      }
      if (pending.length >= MAX_INGEST_BATCH) flush();
      else if (!queued) {
        queued = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
