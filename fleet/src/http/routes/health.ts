import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { HealthReply } from '../api-schemas.ts';
import type { ApiContext } from '../route-kit.ts';

/** The operator API's version (the path says v1; this is the document's version). */
export const API_VERSION = '1.0.0';

const FLEET_VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** `GET /api/v1/health`, without a token: the fleet answers, and its versions. */
export function healthRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  ctx.route({
    method: 'get',
    path: '/api/v1/health',
    summary: 'liveness and versions (no token needed)',
    role: null,
    responses: { 200: { description: 'the fleet answers', schema: HealthReply } },
    handler: () => ({ status: 'ok', versions: { fleet: FLEET_VERSION, api: API_VERSION } }),
  });
}
