import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CreatedTokenReply, ErrorReply, TokenInfo } from '../api-schemas.ts';
import { ROLES } from '../../tokens/roles.ts';
import type { ApiContext } from '../route-kit.ts';

const TokenName = z.string().min(1).max(128);

/** Operator tokens (admin): the same as `outpost token create | list | revoke`. */
export function tokenRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  const at = (): string => new Date(ctx.clock.now()).toISOString();
  ctx.route({
    method: 'get',
    path: '/api/v1/me',
    summary: 'the token this request carries: its name and role (what the dashboard offers depends on it)',
    role: 'viewer',
    responses: { 200: { description: 'the caller', schema: TokenInfo } },
    handler: ({ operator }) => operator,
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/tokens',
    summary: 'operator tokens (never their secrets)',
    role: 'admin',
    responses: {
      200: { description: 'every token, oldest first', schema: z.strictObject({ items: z.array(TokenInfo) }) },
    },
    handler: () => ({ items: ctx.tokens.list() }),
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/tokens',
    summary: 'create an operator token; the reply is the only time it is shown',
    role: 'admin',
    body: z.strictObject({ name: TokenName, role: z.enum(ROLES) }),
    responses: { 201: { description: 'the new token', schema: CreatedTokenReply } },
    handler: ({ body, operator }) => {
      const created = ctx.tokens.create({ name: body.name, role: body.role, at: at() });
      ctx.fleet.store.addAudit({
        at: at(),
        actor: operator?.name ?? 'api',
        action: 'token-create',
        target: created.record.id,
        details: { name: body.name, role: body.role },
      });
      return created;
    },
  });
  ctx.route({
    method: 'delete',
    path: '/api/v1/tokens/:id',
    summary: 'revoke an operator token',
    role: 'admin',
    params: z.strictObject({ id: z.string().regex(/^[0-9a-f]{12}$/) }),
    responses: {
      200: { description: 'revoked', schema: TokenInfo },
      404: { description: 'no such token', schema: ErrorReply },
    },
    handler: ({ params, operator }) => {
      const record = ctx.tokens.revoke(params.id, at());
      ctx.fleet.store.addAudit({
        at: at(),
        actor: operator?.name ?? 'api',
        action: 'token-revoke',
        target: params.id,
        details: { name: record.name },
      });
      return record;
    },
  });
}
