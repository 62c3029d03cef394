import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, IsoTime } from '@outpost/protocol';
import { parseWaves } from '../../campaign/waves.ts';
import { RetrainErrorCodes, retrainError } from '../../retrain/errors.ts';
import type { FleetRetrain } from '../../retrain/fleet-retrain.ts';
import { ErrorReply } from '../api-schemas.ts';
import type { ApiContext } from '../route-kit.ts';
import type { RouteModule } from '../api-server.ts';

const Score = z.strictObject({ value: z.number(), loss: z.number() });

/** A retraining run as stored (docs/MONITORING.md "Retraining"); the fields the dashboard reads, the rest as they are. */
const RunReply = z.looseObject({
  id: z.string(),
  model: Id,
  championVersion: z.number().int(),
  trigger: z.looseObject({ kind: z.enum(['manual', 'alert', 'labels']) }),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  outcome: z.enum(['running', 'promoted', 'rejected', 'failed']),
  metric: z.string().optional(),
  champion: Score.optional(),
  challenger: Score.optional(),
  margin: z.number().optional(),
  improvement: z.number().optional(),
  registeredVersion: z.number().int().optional(),
  campaignId: z.string().optional(),
});

const ListQuery = z.strictObject({
  model: Id.optional().describe('only this model'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('at most this many, newest first'),
});

const StartBody = z.strictObject({
  model: Id,
  holdoutSince: IsoTime.optional().describe('hold out the fresh rows since this time (default: the newest 20%)'),
  canary: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('start a canary campaign of a registered challenger: `1,10,100%`'),
});

const errors = (statuses: Record<number, string>) =>
  Object.fromEntries(Object.entries(statuses).map(([s, description]) => [s, { description, schema: ErrorReply }]));

const json = (v: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

/**
 * Retraining runs (docs/MONITORING.md "Retraining"): list them, read one, and start one on the
 * fleet's configured fresh data (`<data-dir>/retrain.json`); the start answers at once with the
 * running run, which the list shows until it ends.
 */
export function retrainRoutes(retrain: FleetRetrain): RouteModule {
  return (_app: FastifyInstance, ctx: ApiContext): void => {
    ctx.route({
      method: 'get',
      path: '/api/v1/retrain-runs',
      summary: 'retraining runs, newest first: trigger, both scores on the holdout window, the margin, the decision',
      role: 'viewer',
      query: ListQuery,
      responses: { 200: { description: 'runs', schema: z.strictObject({ items: z.array(RunReply) }) } },
      handler: ({ query }) => ({
        items: retrain.runs
          .list({ limit: query.limit, ...(query.model !== undefined ? { model: query.model } : {}) })
          .map(json),
      }),
    });
    ctx.route({
      method: 'get',
      path: '/api/v1/retrain-runs/:id',
      summary: 'one retraining run',
      role: 'viewer',
      params: z.strictObject({ id: z.string().min(1).max(200) }),
      responses: { 200: { description: 'the run', schema: RunReply }, ...errors({ 404: 'no such run' }) },
      handler: ({ params }) => {
        const run = retrain.runs.get(params.id);
        if (!run)
          throw retrainError(RetrainErrorCodes.RETRAIN_UNKNOWN_RUN, `no retraining run ${params.id}`, {
            id: params.id,
          });
        return json(run);
      },
    });
    ctx.route({
      method: 'post',
      path: '/api/v1/retrain-runs',
      summary: 'start a retraining run of a model on its fresh data; answers with the running run',
      role: 'operator',
      body: StartBody,
      responses: {
        202: { description: 'the run, started', schema: RunReply },
        ...errors({
          400: 'no fresh data for the model, or bad canary waves',
          404: 'the model has no registered version',
          409: 'a run of the model is under way',
        }),
      },
      handler: async ({ body, operator }) => {
        if (body.canary !== undefined) parseWaves(body.canary);
        const { run } = await retrain.start(
          body.model,
          { kind: 'manual', actor: operator?.name ?? 'operator' },
          {
            ...(body.holdoutSince !== undefined ? { holdoutSince: Date.parse(body.holdoutSince) } : {}),
            ...(body.canary !== undefined ? { canary: body.canary } : {}),
          },
        );
        return json(run);
      },
    });
  };
}
