/**
 * Every 5xx an HTTP server answers with because of an error is logged with its cause
 * (docs/ARCHITECTURE.md "Logging"). Written against the one fastify hook it uses, so the protocol
 * needs no fastify: a server calls `logServerErrors(app, logger)` once, whatever its error handler
 * replies. fastify runs `onError` only for a request that failed (before the server's error handler
 * picks the status), so a request that succeeds costs nothing here; the status is read once the
 * reply is over.
 */
import type { Logger } from '../runtime.ts';

interface RequestLike {
  method: string;
  url: string;
}

interface ReplyLike {
  statusCode: number;
  raw: { once(event: 'close', listener: () => void): unknown };
}

/** The part of a fastify instance this needs (a callback hook: no promise per failed request). */
export interface HookableServer {
  addHook(
    name: 'onError',
    hook: (request: RequestLike, reply: ReplyLike, error: Error, done: () => void) => void,
  ): unknown;
}

export function logServerErrors(server: HookableServer, logger: Logger): void {
  server.addHook('onError', (request, reply, error, done) => {
    reply.raw.once('close', () => {
      if (reply.statusCode < 500) return;
      logger.error(
        { status: reply.statusCode, method: request.method, url: request.url, err: error },
        `HTTP ${reply.statusCode}: ${error.message}`,
      );
    });
    done();
  });
}
