import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, IsoTime } from '@outpost/protocol';
import { AuditEntry, PageQuery, page } from '../api-schemas.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import type { ApiContext } from '../route-kit.ts';

const AuditQuery = z.strictObject({
  model: Id.optional().describe('only this model'),
  action: z.string().max(64).optional().describe('only this action (assign, unassign, rollback, withdraw, …)'),
  since: IsoTime.optional().describe('from this time'),
  until: IsoTime.optional().describe('up to this time'),
  ...PageQuery,
});

/** The audit log (docs/OPERATIONS.md "Audit"), newest first, paginated. */
export function auditRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  ctx.route({
    method: 'get',
    path: '/api/v1/audit',
    summary: 'the audit log: who assigned, rolled back or withdrew what, when and why; newest first',
    role: 'viewer',
    query: AuditQuery,
    responses: { 200: { description: 'a page of entries, newest first', schema: page(AuditEntry) } },
    handler: ({ query }) => {
      const before = query.cursor === undefined ? Infinity : Number(decodeCursor(query.cursor));
      const all = ctx.fleet.store
        .audit({
          ...(query.model !== undefined ? { model: query.model } : {}),
          ...(query.action !== undefined ? { action: query.action } : {}),
          ...(query.since !== undefined ? { since: query.since } : {}),
          ...(query.until !== undefined ? { until: query.until } : {}),
        })
        .filter((e) => e.id < before)
        .reverse();
      const items = all.slice(0, query.limit);
      const last = items.at(-1);
      return { items, nextCursor: all.length > query.limit && last ? encodeCursor(last.id) : null };
    },
  });
}
