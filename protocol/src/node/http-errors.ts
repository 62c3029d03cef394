/**
 * Every 5xx an HTTP server returns is logged with its cause (docs/ARCHITECTURE.md "Logging").
 * Written against the two fastify hooks it uses, so the protocol needs no fastify: a server calls
 * `logServerErrors(app, logger)` once, whatever its error handler replies.
 */
import type { Logger } from '../runtime.ts';

interface RequestLike {
  method: string;
  url: string;
}

interface ReplyLike {
  statusCode: number;
}

/** The part of a fastify instance this needs (callback hooks: no promise per request). */
export interface HookableServer {
  addHook(
    name: 'onError',
    hook: (request: RequestLike, reply: ReplyLike, error: Error, done: () => void) => void,
  ): unknown;
  addHook(name: 'onResponse', hook: (request: RequestLike, reply: ReplyLike, done: () => void) => void): unknown;
}

export function logServerErrors(server: HookableServer, logger: Logger): void {
  const causes = new WeakMap<object, Error>();
  server.addHook('onError', (request, _reply, error, done) => {
    causes.set(request, error);
    done();
  });
  server.addHook('onResponse', (request, reply, done) => {
    done();
    if (reply.statusCode < 500) return;
    const err = causes.get(request);
    logger.error(
      { status: reply.statusCode, method: request.method, url: request.url, ...(err ? { err } : {}) },
      err ? `HTTP ${reply.statusCode}: ${err.message}` : `HTTP ${reply.statusCode} without an error`,
    );
  });
}
