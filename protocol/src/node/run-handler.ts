import type { MessageHandler } from '../transport.ts';
/**
 * Runs one handler on one message for a Transport implementation: a handler that throws or
 * rejects goes to `onError` and stops nothing (the contract both transports share).
 */
export function runHandler(
  handler: MessageHandler,
  topic: string,
  payload: Buffer,
  onError: (topic: string, err: unknown) => void,
): void {
  try {
    const result = handler(topic, payload);
    if (result instanceof Promise) result.catch((err: unknown) => onError(topic, err));
  } catch (err) {
    onError(topic, err);
  }
}
