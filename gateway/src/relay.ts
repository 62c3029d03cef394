import {
  LabelMessage,
  OutpostError,
  ReportedState,
  TelemetryWindow,
  decode,
  encode,
  errorMessage,
  parseTopic,
  silentLogger,
  systemClock,
  topics,
  type Clock,
  type Logger,
  type Transport,
  ErrorCodes,
} from '@outpost/protocol';
import type { DeadLetterSink } from './dead-letters.ts';
import type { GatewayStore, OutboxEntry } from './store/gateway-store.ts';

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
}

export interface Relay {
  /** Publishes every queued message not already in flight, oldest first. */
  drain(): void;
  /** Messages acknowledged by upstream since start. */
  readonly relayed: number;
  /** Messages rejected since start. */
  readonly rejected: number;
  /** Stops publishing (close). */
  stop(): void;
}

type Leaf = 'telemetry' | 'reported' | 'labels';

/**
 * Device → fleet relay with store-and-forward, QoS 1 for everything that must not be lost
 * (docs/ARCHITECTURE.md "Telemetry"): a valid message is written to the outbox first, published upstream second, and removed
 * only after the upstream PUBACK. A crash in between re-sends it on restart: at-least-once here,
 * exactly-once counting at the fleet, which keys telemetry by (device, seq).
 *
 * Routes are registered by `createRelay`: call it before the local transport starts.
 */
export async function createRelay(options: RelayOptions): Promise<Relay> {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'relay' });
  const { store, upstream } = options;
  /** Outbox ids handed to the upstream client and not yet acknowledged. */
  const inFlight = new Set<number>();
  let relayed = 0;
  let rejected = 0;
  let stopped = false;

  /** Every entry with an id up to this one was handed to the client since the last full drain. */
  let sentUpTo = 0;
  /** Set when a publish failed: the next drain scans the whole outbox again. */
  let rescan = false;

  function send(entry: OutboxEntry): void {
    inFlight.add(entry.id);
    // mqtt.js keeps an unacknowledged QoS 1 publish and re-sends it on reconnect, so an in-flight
    // entry is left to it; only a restart (a new client) re-sends from the outbox.
    upstream.publish(entry.topic, entry.payload, { qos: 1, retain: entry.retain }).then(
      () => {
        inFlight.delete(entry.id);
        if (stopped) return;
        try {
          store.ack(entry.id);
          relayed++;
        } catch (err) {
          log.error({ id: entry.id, err: errorMessage(err) }, 'could not remove acknowledged outbox entry');
        }
      },
      (err: unknown) => {
        // Not acknowledged: the entry stays in the outbox and a later drain sends it again.
        inFlight.delete(entry.id);
        rescan = true;
        log.warn({ id: entry.id, topic: entry.topic, err: errorMessage(err) }, 'upstream publish failed');
      },
    );
  }

  /**
   * Publishes queued entries not in flight, oldest first. Synchronous from the read to the publish
   * calls, so the upstream order is the outbox order.
   */
  function drain(full = true): void {
    if (stopped || !upstream.connected) return;
    const batch = 1000;
    let after = full || rescan ? 0 : sentUpTo;
    rescan = false;
    for (;;) {
      const entries = store.peekOutbox(batch, after);
      for (const e of entries) {
        if (!inFlight.has(e.id)) send(e);
        sentUpTo = Math.max(sentUpTo, e.id);
      }
      if (entries.length < batch) break;
      after = (entries[entries.length - 1] as OutboxEntry).id;
    }
  }

  function forward(topic: string, value: unknown, retain: boolean): void {
    // Durable first: while the fleet is away the gateway keeps serving its site and queues everything for it.
    store.enqueue(topic, encode(value), retain, clock.now());
    drain(false);
  }

  function handle(leaf: Leaf, topic: string, payload: Buffer): void {
    try {
      const { kind, id: deviceId, leaf: topicLeaf } = parseTopic(topic);
      if (kind !== 'devices' || topicLeaf !== leaf)
        throw new OutpostError(ErrorCodes.TOPIC_MISMATCH, `unexpected topic ${topic}`);
      const mismatch = (claimed: string): OutpostError =>
        new OutpostError(ErrorCodes.TOPIC_MISMATCH, `${leaf} on ${deviceId}'s topic claims to be from ${claimed}`, {
          details: { topicDevice: deviceId, payloadDevice: claimed },
        });
      if (leaf === 'telemetry') {
        const w = decode(TelemetryWindow, payload, 'telemetry window');
        if (w.device !== deviceId) throw mismatch(w.device);
        forward(topics.device(deviceId, 'telemetry'), { ...w, gateway: options.gatewayId }, false);
      } else if (leaf === 'reported') {
        const r = decode(ReportedState, payload, 'reported state');
        if (r.source !== deviceId || r.kind !== 'device') throw mismatch(r.source);
        const stamped: ReportedState = { ...r, gateway: options.gatewayId };
        forward(topics.device(deviceId, 'reported'), stamped, true);
        options.onReported?.(deviceId, r);
      } else {
        const l = decode(LabelMessage, payload, 'label');
        if (l.device !== deviceId) throw mismatch(l.device);
        forward(topics.device(deviceId, 'labels'), { ...l, gateway: options.gatewayId }, false);
      }
    } catch (err) {
      rejected++;
      options.deadLetter(topic, payload, err);
    }
  }

  for (const leaf of ['telemetry', 'reported', 'labels'] as const) {
    await options.local.route(topics.all('devices', leaf), (topic, payload) => handle(leaf, topic, payload));
  }
  upstream.on('connect', () => drain(true));

  return {
    drain: () => drain(true),
    get relayed() {
      return relayed;
    },
    get rejected() {
      return rejected;
    },
    stop() {
      stopped = true;
    },
  };
}
