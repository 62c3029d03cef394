/** What the telemetry publisher (publisher.ts) is configured with and reports, and its delivery bookkeeping. */
import { type Clock, type Logger, type Transport } from '@outpost/protocol';
import type { StateFile } from '../store/state-file.ts';
import type { ReceiptDispatcher } from '../upstream/receipts.ts';

export const DEFAULT_WINDOW_ROWS = 500;
export const DEFAULT_WINDOW_MS = 10_000;
/** First re-send of an unreceipted window (ms); doubled after each try, up to MAX. */
export const DEFAULT_RESEND_MS = 5_000;
export const DEFAULT_MAX_RESEND_MS = 60_000;
/** First retry of a window the outbox could not take (ms); doubled up to MAX. */
export const DEFAULT_PERSIST_RETRY_MS = 250;
export const MAX_PERSIST_RETRY_MS = 5_000;

export interface TelemetryPublisherOptions {
  deviceId: string;
  dataDir: string;
  state: StateFile;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  windowRows?: number;
  windowMs?: number;
  /** A window the gateway has not receipted is sent again after this long, then twice as long, … (default 5 s). */
  resendMs?: number;
  /** The longest wait between re-sends of one window (default 60 s). */
  maxResendMs?: number;
  /** First retry of a failed outbox write (default 250 ms, doubling up to 5 s). */
  persistRetryMs?: number;
  /**
   * The device's one subscriber to its `acks` topic, shared with labels and review uploads
   * (device/src/upstream/receipts.ts); default: the publisher routes the topic itself.
   */
  receipts?: ReceiptDispatcher;
}

export interface TelemetryStats {
  windowsSent: number;
  lastSeq: number;
  outboxDepth: number;
}

/** `degraded` while closed windows cannot be written to the outbox (they wait in memory, in seq order). */
export type TelemetryHealth = { status: 'ok' } | { status: 'degraded'; reason: string; since: number };

export interface Unpersisted {
  seq: number;
  payload: Buffer;
  persisted: Deferred<void>;
}
export interface Unreceipted {
  payload: Buffer;
  tries: number;
  dueAt: number;
  receipted: Deferred<number>;
}
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
