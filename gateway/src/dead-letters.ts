import { ErrorCodes, OutpostError, errorMessage, type Clock, type Logger } from '@outpost/protocol';
import type { GatewayStore } from './store/gateway-store.ts';

export type DeadLetterSink = (topic: string, payload: Buffer, err: unknown) => void;

/**
 * Rejects a bad inbound message (docs/ARCHITECTURE.md "Bad input": a bad one is rejected with a logged
 * reason and kept in a dead-letter table, and never crashes the receiver): logs it, keeps its raw bytes
 * and code.
 */
export function createDeadLetterSink(
  store: GatewayStore,
  clock: Clock,
  logger: Logger,
  onDeadLetter?: () => void,
): DeadLetterSink {
  return (topic, payload, err) => {
    const code = err instanceof OutpostError ? err.code : ErrorCodes.SCHEMA_INVALID;
    const reason = errorMessage(err);
    logger.warn({ topic, code, reason, bytes: payload.byteLength }, 'dead-lettered message');
    try {
      store.addDeadLetter({ topic, payload: Buffer.from(payload), code, reason, at: clock.now() });
      onDeadLetter?.();
    } catch (storeErr) {
      // A closed store during shutdown: the message is still logged above.
      logger.error({ topic, err: errorMessage(storeErr) }, 'could not store dead letter');
    }
  };
}
