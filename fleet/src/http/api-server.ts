import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { errorMessage, type Clock, type Logger } from '@outpost/protocol';
import { logServerErrors } from '@outpost/protocol/node';
import { ApiErrorCodes, fleetError } from '../errors.ts';
import type { Fleet } from '../fleet.ts';
import type { OperatorTokenStore } from '../tokens/token-store.ts';
import { createAuthenticator } from './auth.ts';
import { errorReply } from './error-status.ts';
import { apiDocument } from './openapi.ts';
import { routeDeclarer, type ApiContext, type DeclaredRoute } from './route-kit.ts';
import { auditRoutes } from './routes/audit.ts';
import { driftRoutes } from './routes/drift.ts';
import { eventRoutes } from './routes/events.ts';
import { API_VERSION, healthRoutes } from './routes/health.ts';
import { intentRoutes } from './routes/intent.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { monitorRoutes } from './routes/monitor.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { reviewRoutes } from './routes/review.ts';

/** Largest request body the operator API reads. */
export const API_BODY_LIMIT = 256 * 1024;

/** The Content-Security-Policy of every reply: the dashboard loads only its own files, no inline scripts. */
export const CSP = "default-src 'self'";

/** Where the dashboard's static files are (served at `/`). */
export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dashboard');

/** An area of the API: `export function <area>Routes(app, ctx)` (docs/ARCHITECTURE.md "Operator API"). */
export type RouteModule = (app: FastifyInstance, ctx: ApiContext) => void;

export interface ApiServerOptions {
  fleet: Fleet;
  tokens: OperatorTokenStore;
  host: string;
  /** 0 picks a free port. */
  port: number;
  clock: Clock;
  logger: Logger;
  /** Serve the dashboard at `/` (default true). */
  dashboard?: boolean;
  /** Route modules of other parts (campaigns, alerts), after the built-in areas. */
  routes?: readonly RouteModule[];
  /** Server-sent events: heartbeat interval and per-client queue bound. */
  events?: { heartbeatMs?: number; maxQueue?: number };
}

export interface ApiServer {
  url: string;
  /** Every route declared (what `/openapi.json` documents). */
  routes: readonly DeclaredRoute[];
  /** Every route fastify serves (method and URL pattern), static files and HEAD aside. */
  served: readonly { method: string; url: string }[];
  close(): Promise<void>;
}

function uplotDist(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('uplot/package.json')), 'dist');
}

/**
 * The fleet's operator API and dashboard (docs/OPERATIONS.md "Dashboard and API"): fastify,
 * `/api/v1/…` routes declared per area, coded errors mapped to HTTP in one place
 * (error-status.ts), `/openapi.json` generated from the routes' zod schemas, the dashboard's
 * static files at `/` and uPlot at `/vendor/`, a CSP header on every reply.
 */
export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const log = o.logger.child({ component: 'api' });
  // forceCloseConnections: event streams hold their connections open; close ends them.
  const app = Fastify({ logger: false, bodyLimit: API_BODY_LIMIT, forceCloseConnections: true });
  logServerErrors(app, log);
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = errorReply(err, API_BODY_LIMIT);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = errorReply(
      fleetError(ApiErrorCodes.API_NOT_FOUND, `no route ${req.method} ${req.url.split('?')[0]}`),
      API_BODY_LIMIT,
    );
    return reply.code(status).send(body);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  const served: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat())
      if (method !== 'HEAD' && !r.url.endsWith('*')) served.push({ method, url: r.url });
  });
  const auth = createAuthenticator(o.tokens);
  const { route, declared } = routeDeclarer(app, auth);
  const ctx: ApiContext = {
    fleet: o.fleet,
    tokens: o.tokens,
    clock: o.clock,
    logger: log,
    requireRole: auth.requireRole,
    route,
  };
  healthRoutes(app, ctx);
  inventoryRoutes(app, ctx);
  intentRoutes(app, ctx);
  auditRoutes(app, ctx);
  driftRoutes(app, ctx);
  tokenRoutes(app, ctx);
  campaignRoutes(app, ctx);
  monitorRoutes(app, ctx);
  reviewRoutes(app, ctx);
  eventRoutes(app, ctx, o.events ?? {});
  for (const m of o.routes ?? []) m(app, ctx);
  ctx.route({
    method: 'get',
    path: '/openapi.json',
    summary: 'this document (OpenAPI 3.1)',
    role: null,
    responses: { 200: { description: 'OpenAPI 3.1' } },
    handler: () => apiDocument({ title: 'Outpost fleet operator API', version: API_VERSION }, declared),
  });

  if (o.dashboard !== false) {
    await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: '/', index: ['index.html'] });
    await app.register(fastifyStatic, { root: uplotDist(), prefix: '/vendor/', decorateReply: false });
  }

  try {
    await app.listen({ host: o.host, port: o.port });
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'operator API failed to start');
    await app.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    routes: declared,
    served,
    close: () => app.close(),
  };
}
