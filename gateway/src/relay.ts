import {
  LabelMessage,
  OutpostError,
  Receipt,
  ReportedState,
  ReviewItem,
  TelemetryWindow,
  createReceiptBatcher,
  decode,
  encode,
  errorMessage,
  parseTopic,
  receiptKey,
  silentLogger,
  systemClock,
  topics,
  type Clock,
  type Logger,
  type ReceiptSubject,
  type Transport,
  ErrorCodes,
} from '@outpost/protocol';
import type { DeadLetterSink } from './dead-letters.ts';
import { GatewayErrorCodes } from './errors.ts';
import { subjectOf } from './outbox-subject.ts';
import { createUpstreamBatcher } from './telemetry-batches.ts';
import type { GatewayStore, OutboxEntry, OutboxWrite } from './store/gateway-store.ts';

/** First re-send of an unreceipted outbox entry (ms); doubled after each try, up to MAX. */
export const DEFAULT_RESEND_MS = 5_000;
export const DEFAULT_MAX_RESEND_MS = 60_000;
/** Outbox entries sent upstream and not yet receipted, at most (parked ones aside). */
export const DEFAULT_MAX_IN_FLIGHT = 1000;
/**
 * An entry sent this many times without a receipt is parked: still re-sent (every `maxResendMs` at
 * most), but no longer counted against `maxInFlight`, so one the fleet keeps refusing (say, a
 * device now bound to another gateway) does not hold up the rest of the outbox.
 */
export const PARK_AFTER_TRIES = 4;
/**
 * Device messages written to the outbox in one transaction, at most: a batch is what arrived in one
 * event-loop turn, cut at this many (docs/ARCHITECTURE.md "Telemetry").
 */
export const MAX_WRITE_BATCH = 200;

export interface RelayOptions {
  gatewayId: string;
  store: GatewayStore;
  local: Transport;
  upstream: Transport;
  deadLetter: DeadLetterSink;
  /** Called with every valid device report, after it is queued (reconcile learns of new devices). */
  onReported?: (deviceId: string, reported: ReportedState) => void;
  clock?: Clock;
  logger?: Logger;
  /** An entry the fleet has not receipted is sent again after this long, then twice as long, … (default 5 s). */
  resendMs?: number;
  /** The longest wait between re-sends of one entry (default 60 s). */
  maxResendMs?: number;
  /** Entries sent and not yet receipted, at most (default 1000): bounds memory and keeps the outbox order. */
  maxInFlight?: number;
}

/** `degraded` while the gateway's store refuses writes: nothing is receipted then, the devices keep their windows. */
export type RelayHealth = { status: 'ok' } | { status: 'degraded'; reason: string; since: number };

export interface Relay {
  /** Publishes queued messages not already in flight, oldest first. */
  drain(): void;
  /** Messages the fleet receipted since start. */
  readonly relayed: number;
  /** Messages rejected since start. */
  readonly rejected: number;
  health(): RelayHealth;
  /** Stops publishing (close). */
  stop(): void;
}

type Leaf = 'telemetry' | 'reported' | 'labels' | 'review';

interface InFlight {
  entry: OutboxEntry;
  key: string;
  /** A telemetry window: sent upstream in a batch with others (`TelemetryBatch`). */
  batched: boolean;
  tries: number;
  dueAt: number;
}

/**
 * Device → fleet relay with store-and-forward and application-level receipts (docs/ARCHITECTURE.md
 * "Telemetry"). Inbound: a valid window is written to the outbox (deduplicated by (device, seq)),
 * a label or review item likewise (deduplicated by (device, predictionId)), and only then receipted to its device
 * on `devices/<id>/acks`. What arrives in one event-loop turn (at most MAX_WRITE_BATCH) is written
 * in one transaction; a write that fails is not receipted (the devices keep their windows and send
 * them again) and the relay reports `degraded`.
 * Outbound: queued messages go upstream oldest first, at most `maxInFlight` unreceipted at a time;
 * an entry is deleted only when the fleet's receipt on `gateways/<id>/acks` names it (one delete per
 * receipt) — never on the
 * broker's PUBACK, which only says the broker has it. Unreceipted entries are sent again after
 * `resendMs` (doubling up to `maxResendMs`) and on every reconnect.
 *
 * Routes are registered by `createRelay`: call it before either transport starts.
 */
export async function createRelay(options: RelayOptions): Promise<Relay> {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'relay' });
  const { store, upstream } = options;
  const resendMs = options.resendMs ?? DEFAULT_RESEND_MS;
  const maxResendMs = Math.max(resendMs, options.maxResendMs ?? DEFAULT_MAX_RESEND_MS);
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const receipts = createReceiptBatcher({ from: options.gatewayId, transport: options.local, clock, logger: log });

  const inFlight = new Map<number, InFlight>();
  const idsByKey = new Map<string, Set<number>>();
  /** Entries in `inFlight` with at least PARK_AFTER_TRIES tries. */
  let parked = 0;
  const active = (): number => inFlight.size - parked;
  /** Every outbox id up to this one was read into `inFlight` (or receipted) since the last restart. */
  let cursor = 0;
  let relayed = 0;
  let rejected = 0;
  let stopped = false;
  let degraded: { reason: string; since: number } | undefined;

  function storageFailed(what: string, err: unknown): void {
    if (!degraded) degraded = { reason: GatewayErrorCodes.STORE_WRITE_FAILED, since: clock.now() };
    log.error({ err: errorMessage(err), code: GatewayErrorCodes.STORE_WRITE_FAILED }, `gateway store: ${what} failed`);
  }
  function storageOk(): void {
    if (!degraded) return;
    log.info({ degradedMs: clock.now() - degraded.since }, 'gateway store writable again');
    degraded = undefined;
  }

  // Windows go upstream in batches on this gateway's own topic (docs/ARCHITECTURE.md "Telemetry").
  const batches = createUpstreamBatcher({
    upstream,
    topic: topics.gateway(options.gatewayId, 'telemetry'),
    logger: log,
  });

  function publish(f: InFlight): void {
    f.dueAt = clock.now() + Math.min(maxResendMs, resendMs * 2 ** f.tries);
    f.tries++;
    if (f.tries === PARK_AFTER_TRIES) parked++;
    if (!upstream.connected) return;
    if (f.batched) return batches.add(f.entry.id, f.entry.payload);
    // The PUBACK is ignored: only the fleet's receipt removes the entry.
    upstream.publish(f.entry.topic, f.entry.payload, { qos: 1, retain: f.entry.retain }).catch((err: unknown) => {
      log.debug({ id: f.entry.id, err: errorMessage(err) }, 'upstream publish failed; sent again later');
    });
  }

  /** Puts an outbox entry in flight and sends it; `known`: its receipt subject, when the relay has it at hand. */
  function track(entry: OutboxEntry, known?: ReceiptSubject): void {
    let subject: ReceiptSubject;
    try {
      subject = known ?? subjectOf(entry);
    } catch (err) {
      // Cannot happen for what this relay queued; kept as a dead letter rather than sent forever.
      options.deadLetter(entry.topic, entry.payload, err);
      try {
        store.ack(entry.id);
      } catch (ackErr) {
        storageFailed('outbox delete', ackErr);
      }
      return;
    }
    const key = receiptKey(subject);
    const f: InFlight = { entry, key, batched: subject.kind === 'telemetry', tries: 0, dueAt: 0 };
    inFlight.set(entry.id, f);
    let ids = idsByKey.get(key);
    if (!ids) idsByKey.set(key, (ids = new Set()));
    ids.add(entry.id);
    publish(f);
  }

  /** Reads queued entries past the cursor into flight, oldest first, up to `maxInFlight`. */
  function drain(): void {
    if (stopped) return;
    while (active() < maxInFlight) {
      const want = maxInFlight - active();
      let entries: OutboxEntry[];
      try {
        entries = store.peekOutbox(want, cursor);
      } catch (err) {
        storageFailed('outbox read', err);
        return;
      }
      for (const e of entries) {
        cursor = Math.max(cursor, e.id);
        if (!inFlight.has(e.id)) track(e);
      }
      if (entries.length < want) return;
    }
  }

  function onReceipt(topic: string, payload: Buffer): void {
    let receipt: Receipt;
    try {
      receipt = decode(Receipt, payload, 'receipt');
    } catch (err) {
      options.deadLetter(topic, payload, err);
      return;
    }
    // Every entry the receipt names, deleted in one statement.
    const done: { key: string; id: number }[] = [];
    for (const item of receipt.items) {
      const key = receiptKey(item);
      // Absent: already receipted, or queued before a restart and not re-read yet.
      for (const id of idsByKey.get(key) ?? []) done.push({ key, id });
    }
    if (done.length > 0) {
      try {
        store.ackMany(done.map((d) => d.id));
        storageOk();
      } catch (err) {
        // Left in flight: re-sent, receipted again, deleted then.
        storageFailed('outbox delete', err);
        return;
      }
      for (const { key, id } of done) {
        const ids = idsByKey.get(key);
        if (!ids?.delete(id)) continue;
        if (ids.size === 0) idsByKey.delete(key);
        if ((inFlight.get(id)?.tries ?? 0) >= PARK_AFTER_TRIES) parked--;
        inFlight.delete(id);
        relayed++;
      }
    }
    drain();
  }

  const tick = clock.setInterval(
    () => {
      if (stopped || !upstream.connected) return;
      const now = clock.now();
      for (const f of inFlight.values()) if (f.dueAt <= now) publish(f);
      drain();
    },
    Math.max(50, Math.min(1000, resendMs / 4)),
  );

  /** Device messages validated and waiting for the next outbox write, with what to do once it is committed. */
  const pending: { write: OutboxWrite; subject: ReceiptSubject; after: (isNew: boolean) => void }[] = [];
  let flushQueued = false;

  /**
   * Writes every waiting message to the outbox in ONE transaction, then receipts each to its
   * device: durable first (docs/ARCHITECTURE.md "Telemetry"). When the store refuses the write,
   * nothing of the batch is receipted and the devices keep their messages (and send them again).
   */
  function flushWrites(): void {
    flushQueued = false;
    if (pending.length === 0) return;
    const batch = pending.splice(0);
    if (stopped) return; // not receipted: the devices send them again to whoever runs next
    let outcomes: (number | false)[];
    try {
      outcomes = store.enqueueBatch(batch.map((p) => p.write));
      storageOk();
    } catch (err) {
      storageFailed('outbox write', err);
      return;
    }
    batch.forEach((p, i) => p.after(outcomes[i] !== false));
    // The new entries go in flight straight from memory, not read back, when they are the next ids
    // after the cursor (nothing older waits unread) and all fit; otherwise drain reads the outbox.
    const fresh: { id: number; p: (typeof batch)[number] }[] = [];
    batch.forEach((p, i) => {
      const id = outcomes[i];
      if (id !== undefined && id !== false) fresh.push({ id, p });
    });
    const next = fresh.every((f, i) => f.id === cursor + 1 + i);
    if (!stopped && fresh.length > 0 && next && active() + fresh.length <= maxInFlight) {
      for (const { id, p } of fresh) {
        cursor = id;
        const { topic, payload, enqueuedAt } = p.write;
        track({ id, topic, payload, retain: p.write.kind === 'plain' && p.write.retain, enqueuedAt }, p.subject);
      }
    } else drain();
  }

  /** Queues a validated message for the next batch: what arrived in this event-loop turn, at most `MAX_WRITE_BATCH`. */
  function queue(write: OutboxWrite, subject: ReceiptSubject, after: (isNew: boolean) => void): void {
    pending.push({ write, subject, after });
    if (pending.length >= MAX_WRITE_BATCH) flushWrites();
    else if (!flushQueued) {
      flushQueued = true;
      setImmediate(flushWrites);
    }
  }

  function handle(leaf: Leaf, topic: string, payload: Buffer): void {
    const enqueuedAt = clock.now();
    try {
      const parsed = parseTopic(topic);
      const deviceId = parsed.id;
      if (parsed.kind !== 'devices' || parsed.leaf !== leaf)
        throw new OutpostError(ErrorCodes.TOPIC_MISMATCH, `unexpected topic ${topic}`);
      const mismatch = (claimed: string): OutpostError =>
        new OutpostError(ErrorCodes.TOPIC_MISMATCH, `${leaf} on ${deviceId}'s topic claims to be from ${claimed}`, {
          details: { topicDevice: deviceId, payloadDevice: claimed },
        });
      const upTopic = topics.device(deviceId, leaf);
      const acks = topics.device(deviceId, 'acks');
      if (leaf === 'telemetry') {
        const w = decode(TelemetryWindow, payload, 'telemetry window');
        if (w.device !== deviceId) throw mismatch(w.device);
        // Queued as the device sent it: it goes upstream in a batch on this gateway's own topic,
        // which names the relaying gateway to the fleet.
        // Receipted only once the window is durable here (or was already): the device may then delete it.
        queue(
          { kind: 'telemetry', device: deviceId, seq: w.seq, topic: upTopic, payload, enqueuedAt },
          { kind: 'telemetry', device: deviceId, seq: w.seq },
          (isNew) =>
            receipts.add(acks, {
              kind: 'telemetry',
              device: deviceId,
              seq: w.seq,
              outcome: isNew ? 'stored' : 'duplicate',
            }),
        );
      } else if (leaf === 'reported') {
        const r = decode(ReportedState, payload, 'reported state');
        if (r.source !== deviceId || r.kind !== 'device') throw mismatch(r.source);
        const stamped: ReportedState = { ...r, gateway: options.gatewayId };
        queue(
          { kind: 'plain', topic: upTopic, payload: encode(stamped), retain: true, enqueuedAt },
          { kind: 'reported', source: r.source, at: r.at },
          () => options.onReported?.(deviceId, r),
        );
      } else {
        // A label or a review item: queued once per (device, predictionId), receipted by that key.
        const l =
          leaf === 'labels' ? decode(LabelMessage, payload, 'label') : decode(ReviewItem, payload, 'review item');
        if (l.device !== deviceId) throw mismatch(l.device);
        const stamped = encode({ ...l, gateway: options.gatewayId });
        const kind = leaf === 'labels' ? 'label' : 'review';
        const subject = { kind, device: deviceId, predictionId: l.predictionId } as const;
        const key = receiptKey(subject);
        // Queued once per (device, predictionId): a label the device sends again is not relayed twice.
        // Receipted only once the label is durable here: the device may then mark it forwarded.
        queue({ kind: 'once', key, topic: upTopic, payload: stamped, enqueuedAt }, subject, (isNew) =>
          receipts.add(acks, {
            kind,
            device: deviceId,
            predictionId: l.predictionId,
            outcome: isNew ? 'stored' : 'duplicate',
          }),
        );
      }
    } catch (err) {
      rejected++;
      options.deadLetter(topic, payload, err);
    }
  }

  for (const leaf of ['telemetry', 'reported', 'labels', 'review'] as const) {
    await options.local.route(topics.all('devices', leaf), (topic, payload) => handle(leaf, topic, payload));
  }
  await upstream.route(topics.gateway(options.gatewayId, 'acks'), onReceipt);
  upstream.on('connect', () => {
    // Whatever was in flight may never have reached the fleet: send it all again now.
    parked = 0;
    for (const f of inFlight.values()) {
      f.tries = 0;
      publish(f);
    }
    drain();
  });

  return {
    drain,
    get relayed() {
      return relayed;
    },
    get rejected() {
      return rejected;
    },
    health: () => (degraded ? { status: 'degraded', ...degraded } : { status: 'ok' }),
    stop() {
      stopped = true;
      clock.clearInterval(tick);
      pending.length = 0;
      batches.stop();
      receipts.stop();
    },
  };
}
