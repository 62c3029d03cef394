import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id } from '@outpost/protocol';
import type { AlertState } from '../../monitor/monitor-store.ts';
import { ErrorReply } from '../api-schemas.ts';
import {
  AckBody,
  AlertReply,
  AlertsQuery,
  DriftSeriesQuery,
  DriftSeriesReply,
  PerformanceQuery,
  PerformanceReply,
  QualityQuery,
  QualityReply,
} from '../monitor-schemas.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import type { ApiContext } from '../route-kit.ts';

const ByName = z.strictObject({ name: Id });
const ById = z.strictObject({ id: z.string().min(1).max(200) });

const errors = (statuses: Record<number, string>) =>
  Object.fromEntries(Object.entries(statuses).map(([s, description]) => [s, { description, schema: ErrorReply }]));

const NOT_FOUND = errors({ 404: 'unknown model or version, or no telemetry for it' });

/** The optional range fields of a query, without the absent ones. */
function range(q: { version?: number | undefined; since?: string | undefined; until?: string | undefined }) {
  return {
    ...(q.version !== undefined ? { version: q.version } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.until !== undefined ? { until: q.until } : {}),
  };
}

/** An alert's place in the newest-first list: `since`, then id. */
const alertKey = (a: { since: string; id: string }): string => `${a.since}\u0000${a.id}`;

/**
 * Monitoring (docs/MONITORING.md "API"): drift over time, data quality, performance against the
 * test band, and alerts — the same `fleet.monitor` calls, hence the same objects, as
 * `outpost drift|quality|performance|alerts --json`. Alert changes stream as `alert.<state>` events.
 */
export function monitorRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  const monitor = () => ctx.fleet.monitor;
  ctx.route({
    method: 'get',
    path: '/api/v1/models/:name/drift/series',
    summary:
      'drift over time: PSI, Jensen–Shannon, χ² and KS per feature and window, for the model, a device or a site',
    role: 'viewer',
    params: ByName,
    query: DriftSeriesQuery,
    responses: { 200: { description: 'the drift time series', schema: DriftSeriesReply }, ...NOT_FOUND },
    handler: ({ params, query }) =>
      monitor().drift(params.name, {
        ...range(query),
        window: query.window,
        by: query.by,
        ...(query.device !== undefined ? { device: query.device } : {}),
      }),
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/models/:name/quality',
    summary:
      'data quality per device and window: stuck sensors, missing and out-of-range spikes, unseen categories, site outliers',
    role: 'viewer',
    params: ByName,
    query: QualityQuery,
    responses: { 200: { description: 'the quality report', schema: QualityReply }, ...NOT_FOUND },
    handler: ({ params, query }) => monitor().quality(params.name, { ...range(query), window: query.window }),
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/models/:name/performance',
    summary: "performance from joined labels per window (and device), against the model's test band",
    role: 'viewer',
    params: ByName,
    query: PerformanceQuery,
    responses: { 200: { description: 'the performance report', schema: PerformanceReply }, ...NOT_FOUND },
    handler: ({ params, query }) =>
      monitor().performance(params.name, { ...range(query), window: query.window, by: query.by }),
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/alerts',
    summary: 'alerts, newest first, paginated; every state unless `state` says which',
    role: 'viewer',
    query: AlertsQuery,
    responses: {
      200: {
        description: 'a page of alerts',
        schema: z.strictObject({ items: z.array(AlertReply), nextCursor: z.string().nullable() }),
      },
    },
    handler: ({ query }) => {
      const states = query.state?.split(',') as AlertState[] | undefined;
      const after = query.cursor === undefined ? undefined : String(decodeCursor(query.cursor));
      const list = monitor()
        .alerts({
          ...(states ? { state: states } : {}),
          ...(query.model !== undefined ? { model: query.model } : {}),
        })
        .sort((a, b) => (alertKey(a) < alertKey(b) ? 1 : alertKey(a) > alertKey(b) ? -1 : 0))
        .filter((a) => after === undefined || alertKey(a) < after);
      const items = list.slice(0, query.limit);
      const last = items.at(-1);
      return { items, nextCursor: list.length > query.limit && last ? encodeCursor(alertKey(last)) : null };
    },
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/alerts/:id/acknowledge',
    summary: 'acknowledge a firing alert: it stays acknowledged until its condition resolves',
    role: 'operator',
    params: ById,
    body: AckBody,
    responses: {
      200: { description: 'the alert after the change', schema: AlertReply },
      ...errors({ 404: 'no such alert' }),
    },
    handler: async ({ params, body, operator }) => {
      const alert = await monitor().acknowledge(params.id, operator?.name);
      ctx.logger.info(
        { alert: alert.id, by: operator?.name, ...(body.reason !== undefined ? { reason: body.reason } : {}) },
        'alert acknowledged',
      );
      return alert;
    },
  });
}
