import type { FleetEvent } from './events.ts';

/** The part of a writable HTTP response an event stream needs. */
export interface SseSink {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): void;
}

export interface SseStreamOptions {
  /** Events held for a client that does not read fast enough; past it the stream ends (default 1,000). */
  maxQueue?: number;
}

export const DEFAULT_SSE_QUEUE = 1000;

export function formatEvent(e: FleetEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ at: e.at, ...e.data })}\n\n`;
}

/**
 * One client's server-sent event stream (docs/OPERATIONS.md "Dashboard and API"). Writes go
 * straight to the socket while it keeps up; when it pushes back, events wait in a bounded queue
 * until it drains. A client that falls `maxQueue` events behind gets an `overflow` event and the
 * stream ends: it reconnects and reads the current state again, rather than the fleet holding an
 * unbounded backlog for it.
 */
export function sseStream(
  sink: SseSink,
  opts: SseStreamOptions = {},
): {
  send(e: FleetEvent): void;
  comment(text: string): void;
  close(): void;
  readonly closed: boolean;
  queued(): number;
} {
  const max = opts.maxQueue ?? DEFAULT_SSE_QUEUE;
  const queue: string[] = [];
  let waiting = false;
  let closed = false;
  const flush = (): void => {
    waiting = false;
    while (!closed && queue.length > 0) {
      const chunk = queue.shift() as string;
      if (!sink.write(chunk)) {
        waiting = true;
        sink.once('drain', flush);
        return;
      }
    }
  };
  const push = (chunk: string): void => {
    if (closed) return;
    if (waiting) {
      if (queue.length >= max) {
        closed = true;
        queue.length = 0;
        sink.write(`event: overflow\ndata: {"dropped":true}\n\n`);
        sink.end();
        return;
      }
      queue.push(chunk);
      return;
    }
    if (!sink.write(chunk)) {
      waiting = true;
      sink.once('drain', flush);
    }
  };
  return {
    send: (e) => push(formatEvent(e)),
    comment: (text) => push(`: ${text}\n\n`),
    close() {
      if (closed) return;
      closed = true;
      queue.length = 0;
      sink.end();
    },
    get closed() {
      return closed;
    },
    queued: () => queue.length,
  };
}
