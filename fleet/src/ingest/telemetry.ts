import { TelemetryWindow, decode, type ReceiptItem } from '@outpost/protocol';
import type { IngestContext, IngestHandler } from './handler.ts';
import { assertRelayedByOwner } from './sender-check.ts';
import { assertTopicMatches } from './topic-check.ts';

/** A window that passed its checks, with the gateway that relayed it. */
export interface AcceptedWindow {
  window: TelemetryWindow;
  gateway: string;
}

/** Decodes a relayed window and checks its sender; throws a coded OutpostError for bad input. */
export function acceptTelemetry(id: string, payload: Buffer, ctx: IngestContext): AcceptedWindow {
  const window = decode(TelemetryWindow, payload, 'telemetry window');
  assertTopicMatches('telemetry window', id, window.device);
  return { window, gateway: assertRelayedByOwner('telemetry window', window.device, window.gateway, ctx) };
}

/** Counts a stored (or already held) window and returns its receipt item. */
export function telemetryStored(window: TelemetryWindow, isNew: boolean, ctx: IngestContext): ReceiptItem {
  if (isNew) ctx.counters.telemetryStored++;
  else {
    ctx.counters.telemetryDuplicates++;
    ctx.logger.debug({ device: window.device, seq: window.seq }, 'duplicate telemetry window ignored');
  }
  return { kind: 'telemetry', device: window.device, seq: window.seq, outcome: isNew ? 'stored' : 'duplicate' };
}

/**
 * Telemetry windows from devices, relayed by their gateways. Stored once per (device, seq)
 * (docs/ARCHITECTURE.md "Telemetry": no loss, no double counting across retries); a redelivery is
 * counted and receipted again, so the gateway can forget it. The fleet routes this leaf through
 * the batched path (telemetry-batch.ts); `handle` stores one window alone.
 */
export const telemetryHandler: IngestHandler = {
  kind: 'devices',
  leaf: 'telemetry',
  handle(id, payload, ctx) {
    const { window, gateway } = acceptTelemetry(id, payload, ctx);
    const isNew = ctx.store.insertTelemetry(window, new Date(ctx.clock.now()).toISOString());
    return { gateway, item: telemetryStored(window, isNew, ctx) };
  },
};
