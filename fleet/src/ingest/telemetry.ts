import { TelemetryWindow, decode } from '@outpost/protocol';
import type { IngestHandler } from './handler.ts';
import { assertRelayedByOwner } from './sender-check.ts';
import { assertTopicMatches } from './topic-check.ts';

/**
 * Telemetry windows from devices, relayed by their gateways. Stored once per (device, seq)
 * (docs/ARCHITECTURE.md "Telemetry": no loss, no double counting across retries); a redelivery is
 * counted and receipted again, so the gateway can forget it.
 */
export const telemetryHandler: IngestHandler = {
  kind: 'devices',
  leaf: 'telemetry',
  handle(id, payload, ctx) {
    const window = decode(TelemetryWindow, payload, 'telemetry window');
    assertTopicMatches('telemetry window', id, window.device);
    const gateway = assertRelayedByOwner('telemetry window', window.device, window.gateway, ctx);
    const isNew = ctx.store.insertTelemetry(window, new Date(ctx.clock.now()).toISOString());
    if (isNew) ctx.counters.telemetryStored++;
    else {
      ctx.counters.telemetryDuplicates++;
      ctx.logger.debug({ device: window.device, seq: window.seq }, 'duplicate telemetry window ignored');
    }
    return {
      gateway,
      item: { kind: 'telemetry', device: window.device, seq: window.seq, outcome: isNew ? 'stored' : 'duplicate' },
    };
  },
};
