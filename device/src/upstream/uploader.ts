import { errorMessage, type Clock, type Logger, type Transport } from '@outpost/protocol';

/** First re-send of an unreceipted label or review item (ms); doubled after each try, up to MAX. */
export const DEFAULT_UPLOAD_RESEND_MS = 5_000;
export const DEFAULT_UPLOAD_MAX_RESEND_MS = 60_000;
/** Items sent and not yet receipted, at most: the rest wait in the prediction log. */
export const DEFAULT_UPLOAD_MAX_IN_FLIGHT = 100;

/** One message waiting for its receipt: `key` is what the receipt names (the prediction id). */
export interface UploadItem {
  key: string;
  payload: Buffer;
}

export interface UploaderOptions {
  /** For logs: `labels` or `review`. */
  name: string;
  topic: string;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  /** Items not yet receipted, oldest first, at most `limit` (read from the durable outbox). */
  pending(limit: number): UploadItem[];
  /** Records receipted items as delivered (durably); throws when it cannot (they stay pending). */
  delivered(keys: readonly string[]): void;
  resendMs?: number;
  maxResendMs?: number;
  maxInFlight?: number;
}

interface InFlight {
  item: UploadItem;
  tries: number;
  dueAt: number;
}

/**
 * Sends what waits in a durable outbox upstream until the gateway receipts it (docs/ARCHITECTURE.md
 * "Telemetry"): an item stays pending through the broker's PUBACK and is recorded delivered only
 * when the gateway's receipt names it, after the gateway wrote it to its own outbox. Unreceipted
 * items are sent again after `resendMs` (doubling up to `maxResendMs`) and on every reconnect; at
 * most `maxInFlight` are in flight, the rest stay in the outbox (the prediction log) until then.
 */
export class ReceiptedUploader {
  private readonly inFlight = new Map<string, InFlight>();
  private readonly resendMs: number;
  private readonly maxResendMs: number;
  private readonly maxInFlight: number;
  private timer: unknown;
  private closed = false;
  private delivered = 0;

  constructor(private readonly o: UploaderOptions) {
    this.resendMs = o.resendMs ?? DEFAULT_UPLOAD_RESEND_MS;
    this.maxResendMs = Math.max(this.resendMs, o.maxResendMs ?? DEFAULT_UPLOAD_MAX_RESEND_MS);
    this.maxInFlight = o.maxInFlight ?? DEFAULT_UPLOAD_MAX_IN_FLIGHT;
    o.transport.on('connect', () => {
      // Whatever was in flight may never have reached the gateway: send it all again now.
      for (const f of this.inFlight.values()) {
        f.tries = 0;
        this.publish(f);
      }
      this.kick();
    });
  }

  /** Sends pending items not already in flight, oldest first, up to `maxInFlight`. */
  kick(): void {
    if (this.closed || this.inFlight.size >= this.maxInFlight) return;
    let items: UploadItem[];
    try {
      items = this.o.pending(this.maxInFlight);
    } catch (err) {
      this.o.logger.warn({ what: this.o.name, err: errorMessage(err) }, 'outbox not readable; tried again later');
      this.arm();
      return;
    }
    for (const item of items) {
      if (this.inFlight.size >= this.maxInFlight) break;
      if (this.inFlight.has(item.key)) continue;
      const f: InFlight = { item, tries: 0, dueAt: 0 };
      this.inFlight.set(item.key, f);
      this.publish(f);
    }
  }

  /** The gateway stored (or already held) the item named `key`: it is delivered. */
  receipted(key: string): void {
    try {
      this.o.delivered([key]);
    } catch (err) {
      // Still pending: sent again, receipted again, recorded then.
      this.o.logger.warn({ what: this.o.name, key, err: errorMessage(err) }, 'receipt not recorded yet');
      return;
    }
    if (this.inFlight.delete(key)) this.delivered++;
    this.kick();
  }

  /** Items in flight (sent, not yet receipted). */
  get unreceipted(): number {
    return this.inFlight.size;
  }

  /** Items receipted since start. */
  get receiptedCount(): number {
    return this.delivered;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight.clear();
  }

  private publish(f: InFlight): void {
    f.dueAt = this.o.clock.now() + Math.min(this.maxResendMs, this.resendMs * 2 ** f.tries);
    f.tries++;
    this.arm();
    if (this.closed || !this.o.transport.connected) return;
    // The PUBACK is ignored: only the gateway's receipt makes the item delivered.
    this.o.transport.publish(this.o.topic, f.item.payload, { qos: 1 }).catch((err: unknown) => {
      this.o.logger.debug({ what: this.o.name, err: errorMessage(err) }, 'not sent; sent again later');
    });
  }

  private arm(): void {
    if (this.closed || this.timer !== undefined) return;
    let due = this.inFlight.size === 0 ? this.o.clock.now() + this.resendMs : Infinity;
    for (const f of this.inFlight.values()) due = Math.min(due, f.dueAt);
    this.timer = this.o.clock.setTimeout(
      () => {
        this.timer = undefined;
        const now = this.o.clock.now();
        for (const f of this.inFlight.values()) if (f.dueAt <= now) this.publish(f);
        if (this.inFlight.size > 0 || this.o.transport.connected) this.kick();
        if (this.inFlight.size > 0) this.arm();
      },
      Math.max(10, due - this.o.clock.now()),
    );
  }
}
