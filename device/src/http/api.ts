import { z } from 'zod';
import { FeatureValue, Finite, Id, IsoTime, openApiDocument, type ApiRoute } from '@outpost/protocol';
import { PredictBody } from './predict-body.ts';

/**
 * The device REST API's replies as zod schemas, and the OpenAPI document served at `/openapi.json`
 * (docs/DEVICE.md "What it answers"). Requests are validated with the same schemas; the replies'
 * schemas are held to the server's real answers by device/test/openapi.test.ts.
 */
export const ErrorReply = z.strictObject({
  error: z.strictObject({
    code: z.string().describe('a stable OUTPOST_ERR_… code (docs/errors.md)'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const PredictReply = z.strictObject({
  model: Id,
  version: z.number().int().positive(),
  predictions: z.array(z.number()),
  ids: z.array(z.string()).describe('one id per row, for labels that arrive later'),
  imputed: z
    .record(z.string(), z.number().int().positive())
    .optional()
    .describe('inputs taken missing (imputed in the graph), by field; present only when any were'),
});

export const HealthReply = z.strictObject({
  status: z.enum(['ok', 'no-model']),
  model: Id.nullable(),
  version: z.number().int().positive().nullable(),
  uptimeS: z.number().int().nonnegative(),
  predictions: z.number().int().nonnegative(),
});

const Port = z.strictObject({ name: z.string(), type: z.string() }).loose();

export const ModelReply = z.strictObject({
  name: Id,
  version: z.number().int().positive(),
  artifactId: z.string(),
  task: z.string(),
  inputs: z.array(Port),
  outputs: z.array(Port),
  predictionOutput: z.string(),
  metrics: z.record(z.string(), z.unknown()),
});

export const LabelBody = z.strictObject({
  predictionId: z.string().min(1).max(128).describe('an id from a /predict reply'),
  label: z.union([Finite, z.string().min(1).max(256)]).describe('the ground truth: a number or a class name'),
});
export type LabelBody = z.infer<typeof LabelBody>;

export const LabelReply = z.strictObject({
  predictionId: z.string(),
  status: z.enum(['labelled', 'unchanged']).describe('unchanged: the same label was already attached'),
});

export const ReviewQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type ReviewQuery = z.infer<typeof ReviewQuery>;

export const ReviewReply = z.strictObject({
  items: z.array(
    z.strictObject({
      id: z.string(),
      at: IsoTime,
      model: Id,
      version: z.number().int().positive(),
      inputs: z.record(z.string(), FeatureValue),
      prediction: z.number(),
      confidence: z.number().nullable(),
    }),
  ),
});

const errors = (statuses: Record<number, string>): ApiRoute['responses'] =>
  Object.fromEntries(Object.entries(statuses).map(([s, description]) => [s, { description, schema: ErrorReply }]));

export const DEVICE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'post',
    path: '/predict',
    summary: 'predict one row (`inputs`) or up to 1,000 (`rows`) with the active model',
    body: PredictBody,
    responses: {
      200: { description: 'predictions, one per row, with ids', schema: PredictReply },
      ...errors({
        400: 'malformed body, or a required numeric input missing, null, non-numeric or non-finite (details.fields)',
        413: 'body over 1 MiB',
        415: 'not application/json',
        503: 'no model is active yet',
      }),
    },
  },
  {
    method: 'get',
    path: '/health',
    summary: 'liveness, the active model and counters',
    responses: { 200: { description: 'health', schema: HealthReply } },
  },
  {
    method: 'get',
    path: '/model',
    summary: 'the active model: name, version, artifact id, task, inputs, outputs, metrics',
    responses: {
      200: { description: 'the active model', schema: ModelReply },
      ...errors({ 503: 'no model is active yet' }),
    },
  },
  {
    method: 'post',
    path: '/label',
    summary: 'attach ground truth to a logged prediction; it is forwarded upstream',
    body: LabelBody,
    responses: {
      200: { description: 'labelled, or the same label was already there', schema: LabelReply },
      ...errors({
        400: 'malformed body',
        404: 'no logged prediction has this id',
        409: 'the prediction already has a different label (the first stands)',
      }),
    },
  },
  {
    method: 'get',
    path: '/review',
    summary: 'predictions flagged for human review (low confidence) and not yet labelled, newest first',
    query: { limit: { schema: z.number().int().min(1).max(500), description: 'at most this many (default 50)' } },
    responses: {
      200: { description: 'the review queue', schema: ReviewReply },
      ...errors({ 400: 'bad limit' }),
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary:
      'Prometheus text format: predictions, errors, refused inputs, predict latency, the active model and engine, the telemetry outbox, process memory and CPU',
    responses: { 200: { description: 'text/plain; version=0.0.4' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'this document',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
];

export function deviceOpenApi(version: string): Record<string, unknown> {
  return openApiDocument(
    {
      title: 'Outpost device',
      version,
      description: 'The local REST API of an Outpost device: predictions with the active, verified model.',
    },
    DEVICE_ROUTES,
  );
}
