import type { Clock, Logger, NodeKind, TopicLeafName } from '@outpost/protocol';
import type { FleetStore } from '../store/fleet-store.ts';

/** Running counts of what ingestion did in this process. */
export interface IngestCounters {
  telemetryStored: number;
  telemetryDuplicates: number;
  reported: number;
  labels: number;
  deadLetters: number;
}

export interface IngestContext {
  store: FleetStore;
  clock: Clock;
  logger: Logger;
  counters: IngestCounters;
}

/**
 * One inbound message type (one handler per message type, docs/ARCHITECTURE.md "Tiers and packages"). `handle` decodes and
 * stores; it throws a coded OutpostError for bad input and the dispatcher dead-letters it.
 */
export interface IngestHandler {
  kind: NodeKind;
  leaf: TopicLeafName;
  /** `id` is the node id read from the topic. */
  handle(id: string, payload: Buffer, ctx: IngestContext): void;
}

export function newCounters(): IngestCounters {
  return { telemetryStored: 0, telemetryDuplicates: 0, reported: 0, labels: 0, deadLetters: 0 };
}
