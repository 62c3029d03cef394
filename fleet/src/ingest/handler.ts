import type { Clock, LabelMessage, Logger, NodeKind, ReceiptItem, ReviewItem, TopicLeafName } from '@outpost/protocol';
import type { FleetStore } from '../store/fleet-store.ts';

/** Running counts of what ingestion did in this process. */
export interface IngestCounters {
  telemetryStored: number;
  telemetryDuplicates: number;
  reported: number;
  labels: number;
  reviews: number;
  deadLetters: number;
}

export interface IngestContext {
  store: FleetStore;
  clock: Clock;
  logger: Logger;
  counters: IngestCounters;
  /**
   * Receipts a message durably stored (or already held) to the gateway that relayed it
   * (docs/ARCHITECTURE.md "Telemetry"); absent, nothing is receipted.
   */
  receipt?: (gatewayId: string, item: ReceiptItem) => void;
  /** Monitoring (docs/MONITORING.md "Labels"): joins each stored label to its prediction; absent, labels are only stored. */
  labelSink?: (label: LabelMessage) => void;
  /** The review queue (docs/MONITORING.md "Review queue"): stores an item idempotently; absent, review items are not taken. */
  reviewSink?: (item: ReviewItem & { gateway: string }) => 'stored' | 'duplicate';
}

/** What a handler stored: the receipt for the gateway that relayed it. */
export interface Ingested {
  gateway: string;
  item: ReceiptItem;
}

/**
 * One inbound message type (one handler per message type, docs/ARCHITECTURE.md "Tiers and packages"). `handle` decodes and
 * stores; it throws a coded OutpostError for bad input and the dispatcher dead-letters it. It
 * returns the receipt of what it stored when the message came through a gateway's outbox.
 */
export interface IngestHandler {
  kind: NodeKind;
  leaf: TopicLeafName;
  /** `id` is the node id read from the topic. */
  handle(id: string, payload: Buffer, ctx: IngestContext): Ingested | undefined;
}

export function newCounters(): IngestCounters {
  return { telemetryStored: 0, telemetryDuplicates: 0, reported: 0, labels: 0, reviews: 0, deadLetters: 0 };
}
