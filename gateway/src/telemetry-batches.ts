import { MAX_MESSAGE_BYTES, MAX_TELEMETRY_BATCH, errorMessage, type Logger, type Transport } from '@outpost/protocol';

const BATCH_OPEN = Buffer.from('{"windows":[');
const BATCH_COMMA = Buffer.from(',');
const BATCH_CLOSE = Buffer.from(']}');

/**
 * The upstream messages of these telemetry windows: their bytes joined into `TelemetryBatch`
 * payloads of at most MAX_TELEMETRY_BATCH windows and MAX_MESSAGE_BYTES (one window alone may be
 * larger by the wrapping). Each window's bytes are the device's own, as validated on arrival.
 */
export function telemetryBatches(payloads: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let parts: Buffer[] = [];
  let count = 0;
  let bytes = 0;
  const close = (): void => {
    if (count === 0) return;
    parts.push(BATCH_CLOSE);
    out.push(Buffer.concat(parts));
    parts = [];
    count = 0;
  };
  for (const p of payloads) {
    if (count > 0 && (count >= MAX_TELEMETRY_BATCH || bytes + 1 + p.byteLength > MAX_MESSAGE_BYTES)) close();
    if (count === 0) {
      parts.push(BATCH_OPEN);
      bytes = BATCH_OPEN.byteLength + BATCH_CLOSE.byteLength;
    } else {
      parts.push(BATCH_COMMA);
      bytes += 1;
    }
    parts.push(p);
    bytes += p.byteLength;
    count++;
  }
  close();
  return out;
}

export interface UpstreamBatcher {
  /** Queues an outbox entry's window for this event-loop turn's batches (once, however often added). */
  add(id: number, payload: Buffer): void;
  /** Drops what is queued (the relay stops; the entries stay in the outbox). */
  stop(): void;
}

/**
 * Sends the windows queued in one event-loop turn (or MAX_TELEMETRY_BATCH of them, whichever comes
 * first) as `TelemetryBatch` messages on `topic`, QoS 1. The PUBACK is ignored: only the fleet's
 * receipt removes an entry, and one not receipted is queued again by the relay's re-send.
 */
export function createUpstreamBatcher(o: { upstream: Transport; topic: string; logger: Logger }): UpstreamBatcher {
  const queued = new Map<number, Buffer>();
  let scheduled = false;
  let stopped = false;
  function send(): void {
    scheduled = false;
    const payloads = [...queued.values()];
    queued.clear();
    if (stopped || !o.upstream.connected || payloads.length === 0) return;
    for (const payload of telemetryBatches(payloads)) {
      o.upstream.publish(o.topic, payload, { qos: 1 }).catch((err: unknown) => {
        o.logger.debug({ err: errorMessage(err) }, 'upstream publish failed; sent again later');
      });
    }
  }
  return {
    add(id, payload) {
      if (stopped) return;
      queued.set(id, payload);
      if (queued.size >= MAX_TELEMETRY_BATCH) send();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(send);
      }
    },
    stop() {
      stopped = true;
      queued.clear();
    },
  };
}
