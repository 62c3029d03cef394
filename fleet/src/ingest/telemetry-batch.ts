import { MAX_TELEMETRY_BATCH_BYTES, TelemetryBatch, decode, encode, errorMessage, parseTopic } from '@outpost/protocol';
import { deadLetter } from './dispatch.ts';
import type { IngestContext } from './handler.ts';
import {
  acceptRelayedWindow,
  acceptTelemetry,
  storeWindow,
  telemetryStored,
  type AcceptedWindow,
} from './telemetry.ts';

/**
 * Windows stored in one transaction, at most: a batch is what arrived in one event-loop turn, cut
 * at this many (docs/ARCHITECTURE.md "Telemetry").
 */
export const MAX_INGEST_BATCH = 200;

interface Pending extends AcceptedWindow {
  topic: string;
  /** The window's bytes, kept if it cannot be stored (made only then for a window of a batch). */
  bytes(): Buffer;
}

export interface TelemetryBatcher {
  /** Checks one relayed window now (bad input becomes a dead letter at once) and queues it for the next batch. */
  add(topic: string, payload: Buffer): void;
  /**
   * The same for each window of a `TelemetryBatch` a gateway sent on its own topic: a bad window
   * becomes a dead letter alone (its own bytes kept), its neighbours go on.
   */
  addBatch(topic: string, payload: Buffer): void;
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
    for (const p of batch) {
      let stored;
      try {
        stored = storeWindow(p, ctx);
      } catch (err) {
        deadLetter(ctx, p.topic, p.bytes(), err);
        continue;
      }
      ctx.receipt?.(stored.gateway, stored.item);
    }
  }

  function push(p: Pending): void {
    pending.push(p);
    if (pending.length >= MAX_INGEST_BATCH) flush();
    else if (!queued) {
      queued = true;
      setImmediate(flush);
    }
  }

  return {
    add(topic, payload) {
      let accepted: AcceptedWindow;
      try {
        accepted = acceptTelemetry(parseTopic(topic).id, payload, ctx);
      } catch (err) {
        deadLetter(ctx, topic, payload, err);
        return;
      }
      push({ ...accepted, topic, bytes: () => payload });
    },
    addBatch(topic, payload) {
      let gateway: string;
      let windows: unknown[];
      try {
        gateway = parseTopic(topic).id;
        windows = decode(TelemetryBatch, payload, 'telemetry batch', MAX_TELEMETRY_BATCH_BYTES).windows;
      } catch (err) {
        deadLetter(ctx, topic, payload, err);
        return;
      }
      const relays = new Map<string, boolean>();
      for (const value of windows) {
        // What is kept of a window that cannot be taken, or stored alone: its own bytes.
        const bytes = (): Buffer => encode(value);
        let accepted: AcceptedWindow;
        try {
          accepted = acceptRelayedWindow(gateway, value, ctx, relays);
        } catch (err) {
          deadLetter(ctx, topic, bytes(), err);
          continue;
        }
        push({ ...accepted, topic, bytes });
      }
    },
    flush,
  };
}
