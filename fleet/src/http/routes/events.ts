import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../route-kit.ts';
import { sseStream } from '../sse.ts';

/** How often an idle event stream gets a comment line, so proxies and clients see it alive. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * `GET /api/v1/events` (viewer): server-sent events of the fleet's changes (docs/OPERATIONS.md
 * "Dashboard and API"): `reported`, `presence`, `audit`, and what other parts publish.
 */
export function eventRoutes(
  _app: FastifyInstance,
  ctx: ApiContext,
  opts: { heartbeatMs?: number; maxQueue?: number } = {},
): void {
  ctx.route({
    method: 'get',
    path: '/api/v1/events',
    summary: 'server-sent events: reported-state changes, presence, audit entries, published events',
    role: 'viewer',
    responses: { 200: { description: 'text/event-stream; `id`, `event` (the type) and `data` (JSON) per event' } },
    handler: ({ req, reply }) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'content-security-policy': "default-src 'self'",
      });
      const stream = sseStream(res, opts.maxQueue !== undefined ? { maxQueue: opts.maxQueue } : {});
      stream.comment('connected');
      const unsubscribe = ctx.fleet.subscribe((e) => {
        stream.send(e);
        if (stream.closed) cleanup();
      });
      const heartbeat = ctx.clock.setInterval(
        () => stream.comment('heartbeat'),
        opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      );
      let done = false;
      const cleanup = (): void => {
        if (done) return;
        done = true;
        ctx.clock.clearInterval(heartbeat);
        unsubscribe();
        stream.close();
      };
      req.raw.on('close', cleanup);
      res.on('close', cleanup);
      return undefined;
    },
  });
}
