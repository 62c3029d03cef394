import { errorMessage } from './outpost-error.ts';
import type { Clock, Logger } from './runtime.ts';
import { MAX_RECEIPT_ITEMS, type Receipt, type ReceiptItem } from './schemas/receipt.ts';
import type { Transport } from './transport.ts';

export interface ReceiptBatcherOptions {
  /** The receiver's id, written as `from` (`fleet`, or a gateway's id). */
  from: string;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  /** How long items wait for companions before their batch is sent (default 20 ms). */
  delayMs?: number;
}

export interface ReceiptBatcher {
  /** Queues an item for the `acks` topic given; a batch is sent when full or after the delay. */
  add(topic: string, item: ReceiptItem): void;
  /** Sends every queued batch now. */
  flush(): void;
  /** Drops what is queued (the senders send again and are receipted again). */
  stop(): void;
}

/**
 * Sends receipts (docs/ARCHITECTURE.md "Telemetry") in batches of at most MAX_RECEIPT_ITEMS per
 * topic, QoS 1. A receipt that never arrives costs a re-send and a `duplicate` receipt, never data:
 * a failed publish is logged and dropped.
 */
export function createReceiptBatcher(o: ReceiptBatcherOptions): ReceiptBatcher {
  const delayMs = o.delayMs ?? 20;
  const queued = new Map<string, ReceiptItem[]>();
  let timer: unknown;
  let stopped = false;

  function send(topic: string, items: ReceiptItem[]): void {
    if (!o.transport.connected) return;
    const receipt: Receipt = { from: o.from, at: new Date(o.clock.now()).toISOString(), items };
    o.transport.publish(topic, JSON.stringify(receipt), { qos: 1 }).catch((err: unknown) => {
      o.logger.debug({ topic, items: items.length, err: errorMessage(err) }, 'receipt not sent; the sender re-sends');
    });
  }

  function flush(): void {
    if (timer !== undefined) {
      o.clock.clearTimeout(timer);
      timer = undefined;
    }
    for (const [topic, items] of queued) send(topic, items);
    queued.clear();
  }

  return {
    add(topic, item) {
      if (stopped) return;
      let items = queued.get(topic);
      if (!items) queued.set(topic, (items = []));
      items.push(item);
      if (items.length >= MAX_RECEIPT_ITEMS) {
        queued.delete(topic);
        send(topic, items);
      }
      if (timer === undefined && queued.size > 0) timer = o.clock.setTimeout(flush, delayMs);
    },
    flush,
    stop() {
      stopped = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
      timer = undefined;
      queued.clear();
    },
  };
}
