import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FeatureValue, Finite, Id, IsoTime, ReviewReason } from '@outpost/protocol';
import { PageQuery, page } from '../api-schemas.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import type { ApiContext } from '../route-kit.ts';

const Label = z.union([Finite, z.string().min(1).max(256)]);

export const ReviewEntry = z.strictObject({
  seq: z.number().int().describe('arrival order in the queue'),
  device: Id,
  gateway: Id,
  predictionId: z.string(),
  model: Id,
  version: z.number().int(),
  at: IsoTime.describe('when the device made the prediction'),
  inputs: z.record(z.string(), FeatureValue).describe('the raw row the model saw'),
  prediction: z.number(),
  confidence: z.number().nullable(),
  reason: ReviewReason,
  receivedAt: IsoTime,
  state: z.enum(['pending', 'labelled']),
  label: Label.optional(),
  labelledBy: z.string().optional(),
  labelledAt: IsoTime.optional(),
});

const ReviewQuery = z.strictObject({
  model: Id.optional().describe('only this model'),
  device: Id.optional().describe('only this device'),
  state: z.enum(['pending', 'labelled']).optional().describe('only this state'),
  ...PageQuery,
});

const LabelBody = z.strictObject({
  device: Id,
  predictionId: z.string().min(1).max(128),
  label: Label.describe('the ground truth: a number or a class name'),
});

/**
 * The review queue (docs/MONITORING.md "Review queue"): low-confidence predictions devices forwarded
 * with their inputs, in arrival order, paginated; an operator labels one and the label becomes
 * ground truth for its prediction (performance counts it) and an audit entry.
 */
export function reviewRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  ctx.route({
    method: 'get',
    path: '/api/v1/review',
    summary: 'the review queue: flagged predictions with their inputs, oldest first',
    role: 'viewer',
    query: ReviewQuery,
    responses: { 200: { description: 'a page of review items', schema: page(ReviewEntry) } },
    handler: ({ query }) => {
      const filter = {
        ...(query.model !== undefined ? { model: query.model } : {}),
        ...(query.device !== undefined ? { device: query.device } : {}),
        ...(query.state !== undefined ? { state: query.state } : {}),
      };
      const afterSeq = query.cursor === undefined ? undefined : Number(decodeCursor(query.cursor));
      const rows = ctx.fleet.review.list({
        ...filter,
        ...(afterSeq !== undefined ? { afterSeq } : {}),
        limit: query.limit + 1,
      });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null };
    },
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/review/label',
    summary: "label a review item: ground truth for its prediction (the first reviewer's label stands)",
    role: 'operator',
    body: LabelBody,
    responses: {
      200: {
        description: 'labelled, or the same label was already there',
        schema: z.strictObject({ outcome: z.enum(['labelled', 'unchanged']), item: ReviewEntry }),
      },
    },
    handler: ({ body, operator }) =>
      ctx.fleet.review.label(body.device, body.predictionId, body.label, operator?.name ?? 'api'),
  });
}
