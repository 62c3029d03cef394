import { TelemetryWindow, decode, validate, type ReceiptItem } from '@outpost/protocol';
import { fleetError, FleetErrorCodes } from '../errors.ts';
import { mayRelay } from '../identity/relay-bindings.ts';
import type { IngestContext, IngestHandler, Ingested } from './handler.ts';
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

/**
 * Checks one window of a batch `gateway` relayed on its own topic (docs/ARCHITECTURE.md
 * "Telemetry"): the window itself, and — what the broker checks for a window on a device's topic —
 * that this gateway may relay the device, which binds a device seen for the first time to it (the
 * binding `assertRelayedByOwner` checks). The relaying gateway is the topic's, whatever the window says.
 */
export function acceptRelayedWindow(
  gateway: string,
  value: unknown,
  ctx: IngestContext,
  /** The answers already given for this batch, by device: one lookup per device, not per window. */
  relays: Map<string, boolean> = new Map(),
): AcceptedWindow {
  const window = { ...validate(TelemetryWindow, value, 'telemetry window'), gateway };
  let may = relays.get(window.device);
  if (may === undefined) {
    may = mayRelay(ctx.store, gateway, window.device, new Date(ctx.clock.now()).toISOString());
    relays.set(window.device, may);
  }
  if (!may) {
    throw fleetError(
      FleetErrorCodes.DEVICE_NOT_ON_GATEWAY,
      `telemetry window of ${JSON.stringify(window.device)} relayed by ${JSON.stringify(gateway)}, which may not relay it`,
      { device: window.device, gateway, owner: ctx.store.deviceGateway(window.device) ?? null },
    );
  }
  // mayRelay granted: the device is bound to this gateway (it was, or is now).
  return { window, gateway };
}

/** Stores one accepted window alone; returns its receipt. Throws when the store refuses it. */
export function storeWindow(accepted: AcceptedWindow, ctx: IngestContext): Ingested {
  const isNew = ctx.store.insertTelemetry(accepted.window, new Date(ctx.clock.now()).toISOString());
  return { gateway: accepted.gateway, item: telemetryStored(accepted.window, isNew, ctx) };
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
    return storeWindow(acceptTelemetry(id, payload, ctx), ctx);
  },
};
