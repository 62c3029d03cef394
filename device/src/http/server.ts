import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, OutpostError, validate, type Clock, type FeatureValue, type Logger } from '@outpost/protocol';
import { logServerErrors } from '@outpost/protocol/node';
import { DeviceErrorCodes } from '../errors.ts';
import type { DeviceMetrics } from '../metrics.ts';
import type { LoggedPrediction } from '../store/prediction-log.ts';
import type { PredictionResult } from '../predictor.ts';
import type { LoadedModel } from '../slots.ts';
import { LabelBody, ReviewQuery, deviceOpenApi } from './api.ts';
import { checkNumericInputs, declaredMissing } from './input-check.ts';
import { MAX_BODY_BYTES, predictRows } from './predict-body.ts';

export interface HttpServerOptions {
  host?: string;
  port?: number;
  clock: Clock;
  /** Every 5xx reply is logged here with its cause. */
  logger: Logger;
  active(): LoadedModel | undefined;
  predict(rows: Record<string, FeatureValue>[]): Promise<PredictionResult>;
  predictions(): number;
  /** Served at `GET /metrics` in Prometheus text format; refused inputs are counted there. */
  metrics?: DeviceMetrics;
  /** `POST /label`: throws PREDICTION_UNKNOWN / LABEL_CONFLICT. */
  label?(predictionId: string, label: number | string): 'labelled' | 'unchanged';
  /** `GET /review`: flagged, unlabelled predictions, newest first. */
  review?(limit: number): LoggedPrediction[];
  /** `degraded` with a reason code while the device cannot store what it must keep (e.g. its telemetry outbox). */
  health?(): { status: 'ok' } | { status: 'degraded'; reason: string };
}

export interface DeviceHttpServer {
  url: string;
  close(): Promise<void>;
}

/** The version of the device's REST API in its OpenAPI document. */
export const DEVICE_API_VERSION = '0.1.0';

const STATUS: Record<string, number> = {
  [DeviceErrorCodes.NO_MODEL]: 503,
  [DeviceErrorCodes.INPUT_INVALID]: 400,
  [ErrorCodes.NOT_JSON]: 400,
  [ErrorCodes.SCHEMA_INVALID]: 400,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [DeviceErrorCodes.PREDICTION_UNKNOWN]: 404,
  [DeviceErrorCodes.LABEL_CONFLICT]: 409,
};

/**
 * The device's local REST API (docs/ARCHITECTURE.md "Bad input"), on loopback by default:
 * `POST /predict`, `GET /health` (`ok`, `no-model`, or `degraded` with a `reason` code), `GET /model`,
 * `GET /metrics`, `POST /label`, `GET /review`, `GET /openapi.json` (http/api.ts). Errors are `{ error: { code, message, details? } }`.
 * `POST /predict` refuses a required numeric input that is not a finite number before predicting
 * (http/input-check.ts).
 */
export async function startHttpServer(o: HttpServerOptions): Promise<DeviceHttpServer> {
  const startedAt = o.clock.now();
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES });
  logServerErrors(app, o.logger);

  app.setErrorHandler((err: FastifyError | OutpostError, _req, reply) => {
    if (err instanceof OutpostError) {
      return reply.code(STATUS[err.code] ?? 500).send({
        error: {
          code: err.code,
          message: err.message,
          ...(Object.keys(err.details).length > 0 ? { details: err.details } : {}),
        },
      });
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply
        .code(413)
        .send({ error: { code: ErrorCodes.PAYLOAD_TOO_LARGE, message: `body exceeds ${MAX_BODY_BYTES} bytes` } });
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return reply
        .code(415)
        .send({ error: { code: DeviceErrorCodes.INPUT_INVALID, message: 'send application/json' } });
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code = fe.code?.startsWith('FST_ERR_CTP') ? ErrorCodes.NOT_JSON : DeviceErrorCodes.INPUT_INVALID;
      return reply.code(400).send({ error: { code, message: fe.message } });
    }
    return reply.code(500).send({ error: { code: DeviceErrorCodes.INTERNAL, message: fe.message } });
  });

  app.post('/predict', async (req) => {
    let rows: Record<string, FeatureValue>[];
    try {
      rows = predictRows(req.body);
    } catch (err) {
      const e = err as OutpostError;
      throw new OutpostError(DeviceErrorCodes.INPUT_INVALID, e.message, { details: e.details });
    }
    const model = o.active();
    if (!model) throw new OutpostError(DeviceErrorCodes.NO_MODEL, 'no model is active yet');
    let imputed: Record<string, number>;
    try {
      ({ imputed } = checkNumericInputs(rows, model.manifest, model.acceptsMissing ?? declaredMissing(model.manifest)));
    } catch (err) {
      o.metrics?.refused(rows.length);
      throw err;
    }
    const r = await o.predict(rows);
    return {
      model: r.model,
      version: r.version,
      predictions: r.predictions,
      ids: r.ids,
      // Inputs the model took missing (imputed in its graph), by field: present only when any were.
      ...(Object.keys(imputed).length > 0 ? { imputed } : {}),
    };
  });

  app.get('/health', async () => {
    const a = o.active();
    const h = o.health?.() ?? { status: 'ok' };
    return {
      status: h.status === 'degraded' ? 'degraded' : a ? 'ok' : 'no-model',
      ...(h.status === 'degraded' ? { reason: h.reason } : {}),
      model: a?.name ?? null,
      version: a?.version ?? null,
      uptimeS: Math.round((o.clock.now() - startedAt) / 1000),
      predictions: o.predictions(),
    };
  });

  app.get('/model', async (_req, reply) => {
    const a = o.active();
    if (!a)
      return reply.code(503).send({ error: { code: DeviceErrorCodes.NO_MODEL, message: 'no model is active yet' } });
    const m = a.manifest;
    return {
      name: m.name,
      version: m.version,
      artifactId: a.artifactId,
      task: m.task,
      inputs: m.inputs,
      outputs: m.outputs,
      predictionOutput: m.predictionOutput,
      metrics: m.metrics,
    };
  });

  const { label, review } = o;
  if (label)
    app.post('/label', async (req) => {
      let body: LabelBody;
      try {
        body = validate(LabelBody, req.body, 'label body');
      } catch (err) {
        const e = err as OutpostError;
        throw new OutpostError(DeviceErrorCodes.INPUT_INVALID, e.message, { details: e.details });
      }
      return { predictionId: body.predictionId, status: label(body.predictionId, body.label) };
    });
  if (review)
    app.get('/review', async (req) => {
      let query: ReviewQuery;
      try {
        query = validate(ReviewQuery, req.query, 'review query');
      } catch (err) {
        const e = err as OutpostError;
        throw new OutpostError(DeviceErrorCodes.INPUT_INVALID, e.message, { details: e.details });
      }
      return {
        items: review(query.limit).map((p) => ({
          id: p.id,
          at: new Date(p.at).toISOString(),
          model: p.model,
          version: p.version,
          inputs: p.inputs,
          prediction: p.prediction,
          confidence: p.confidence,
        })),
      };
    });

  const metrics = o.metrics;
  if (metrics)
    app.get('/metrics', async (_req, reply) =>
      reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
    );

  // Built on first request: most devices are never asked, and the document stays out of the heap.
  let openApi: ReturnType<typeof deviceOpenApi> | undefined;
  app.get('/openapi.json', async () => (openApi ??= deviceOpenApi(DEVICE_API_VERSION)));

  await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 });
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () => app.close(),
  };
}
