import { topics, type Transport } from '@outpost/protocol';
import { dispatch } from './dispatch.ts';
import type { IngestContext, IngestHandler } from './handler.ts';
import { labelsHandler } from './labels.ts';
import { deviceReportedHandler, gatewayReportedHandler } from './reported.ts';
import { reviewHandler } from './review.ts';
import { telemetryHandler } from './telemetry.ts';
import { createTelemetryBatcher } from './telemetry-batch.ts';

export { deadLetter, dispatch } from './dispatch.ts';

/** Every inbound message type the fleet ingests, one handler each. */
export const ingestHandlers: readonly IngestHandler[] = [
  telemetryHandler,
  deviceReportedHandler,
  gatewayReportedHandler,
  labelsHandler,
  reviewHandler,
];

/**
 * Routes every ingested topic filter of the transport to its handler; telemetry — a device's
 * window relayed alone, or a gateway's batch of them — goes through the batched path (telemetry-batch.ts). Call before `transport.start()`. Returns a flush of what is
 * waiting for its batch (call it before the store closes).
 */
export async function routeIngestion(
  transport: Transport,
  ctx: IngestContext,
  handlers: readonly IngestHandler[] = ingestHandlers,
): Promise<{ flush(): void }> {
  const telemetry = createTelemetryBatcher(ctx);
  for (const handler of handlers) {
    await transport.route(
      topics.all(handler.kind, handler.leaf),
      handler === telemetryHandler
        ? (topic, payload) => telemetry.add(topic, payload)
        : (topic, payload) => dispatch(handler, ctx, topic, payload),
      1,
    );
  }
  // The windows a gateway relays in batches on its own topic: the same batched path, window by window.
  if (handlers.includes(telemetryHandler))
    await transport.route(
      topics.all('gateways', 'telemetry'),
      (topic, payload) => telemetry.addBatch(topic, payload),
      1,
    );
  return { flush: () => telemetry.flush() };
}
