import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id } from '@outpost/protocol';
import { parseWaves } from '../../campaign/waves.ts';
import { ErrorReply } from '../api-schemas.ts';
import type { ApiContext } from '../route-kit.ts';

const Reason = z.string().min(1).max(1000).optional().describe('why (kept in the audit log)');

const Target = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fleet') }),
  z.strictObject({ kind: z.literal('site'), gateway: Id }),
  z.strictObject({ kind: z.literal('group'), group: Id }),
  z.strictObject({ kind: z.literal('devices'), devices: z.array(Id).min(1).max(10_000) }),
]);

const CreateBody = z.strictObject({
  model: Id,
  version: z.number().int().positive(),
  target: Target,
  waves: z.string().min(1).max(200).describe('cumulative steps as `outpost rollout start --waves`: `1%,10%,50%,100%`'),
  canary: z.array(Id).min(1).max(1000).optional().describe('a named first wave'),
  gates: z
    .strictObject({
      installSuccessMin: z.number().min(0).max(1).optional(),
      smokeFailuresMax: z.number().int().min(0).optional(),
      errorRateMax: z.number().min(0).optional(),
      p95RatioMax: z.number().positive().optional(),
      predictionPsiMax: z
        .number()
        .min(0)
        .optional()
        .describe("highest PSI of the new version's predictions against the manifest's reference"),
      predictionMinRows: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('rows the prediction-psi gate needs before it judges (default 500; the soak waits for them)'),
      soakMs: z.number().int().min(0).optional(),
    })
    .optional(),
  onFail: z.enum(['pause', 'rollback']).optional(),
  seed: z.string().min(1).max(200).optional(),
  reason: Reason,
});

const ActionBody = z.strictObject({ reason: Reason });
const ById = z.strictObject({ id: z.string().min(1).max(200) });

/** A campaign as stored (docs/ARCHITECTURE.md "Campaigns"); the fields an operator reads first, the rest as they are. */
const CampaignReply = z.looseObject({
  id: z.string(),
  model: Id,
  version: z.number().int(),
  state: z.string(),
});

const errors = (statuses: Record<number, string>) =>
  Object.fromEntries(Object.entries(statuses).map(([s, description]) => [s, { description, schema: ErrorReply }]));

const json = (v: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

/**
 * Rollout campaigns (docs/OPERATIONS.md "Campaigns"): the same calls as `outpost rollout`, on the
 * running fleet's engine; transitions also stream as `campaign.*` events on /api/v1/events.
 */
export function campaignRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  const actor = (o: { name: string } | undefined, reason: string | undefined) => ({
    ...(o ? { actor: o.name } : {}),
    ...(reason !== undefined ? { reason } : {}),
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/campaigns',
    summary: 'every campaign, newest first',
    role: 'viewer',
    responses: { 200: { description: 'campaigns', schema: z.strictObject({ items: z.array(CampaignReply) }) } },
    handler: () => ({ items: ctx.fleet.campaigns.list().reverse().map(json) }),
  });
  ctx.route({
    method: 'get',
    path: '/api/v1/campaigns/:id',
    summary: 'one campaign’s status: per wave, per device, with its gates',
    role: 'viewer',
    params: ById,
    responses: {
      200: { description: 'the status', schema: z.looseObject({}) },
      ...errors({ 404: 'no such campaign' }),
    },
    handler: ({ params }) => json(ctx.fleet.campaigns.status(params.id)),
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/campaigns',
    summary: 'start a campaign: a registered version to a target in waves, each held to gates',
    role: 'operator',
    body: CreateBody,
    responses: {
      200: { description: 'the campaign, planned and stored', schema: CampaignReply },
      ...errors({ 400: 'bad waves, gates or canary', 404: 'unknown version, site, group or device' }),
    },
    handler: ({ body, operator }) =>
      json(
        ctx.fleet.campaigns.create(
          {
            model: body.model,
            version: body.version,
            target: body.target,
            steps: parseWaves(body.waves),
            ...(body.canary ? { canary: body.canary } : {}),
            ...(body.gates ? { gates: body.gates } : {}),
            ...(body.onFail ? { onFail: body.onFail } : {}),
            ...(body.seed ? { seed: body.seed } : {}),
          },
          actor(operator, body.reason),
        ),
      ),
  });
  for (const action of ['pause', 'resume', 'abort'] as const) {
    ctx.route({
      method: 'post',
      path: `/api/v1/campaigns/:id/${action}`,
      summary: `${action} a campaign`,
      role: 'operator',
      params: ById,
      body: ActionBody,
      responses: {
        200: { description: 'the campaign after the change', schema: CampaignReply },
        ...errors({ 404: 'no such campaign', 409: `the campaign cannot ${action} in its state` }),
      },
      handler: ({ params, body, operator }) =>
        json(ctx.fleet.campaigns[action](params.id, actor(operator, body.reason))),
    });
  }
}
