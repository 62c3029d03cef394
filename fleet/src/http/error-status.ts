import type { FastifyError } from 'fastify';
import { CliErrorCodes, ErrorCodes, OutpostError } from '@outpost/protocol';
import { ApiErrorCodes, FleetErrorCodes } from '../errors.ts';
import { MonitorErrorCodes } from '../monitor/errors.ts';
import { ReviewErrorCodes } from '../review/errors.ts';
import { RetrainErrorCodes } from '../retrain/errors.ts';

/**
 * The one place the operator API turns a coded error into an HTTP status (docs/OPERATIONS.md
 * "Dashboard and API"). A code not listed is a fault of the fleet: 500, logged with its cause.
 */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  [ApiErrorCodes.API_REQUEST_INVALID]: 400,
  [ErrorCodes.NOT_JSON]: 400,
  [ErrorCodes.SCHEMA_INVALID]: 400,
  [ErrorCodes.ID_INVALID]: 400,
  [CliErrorCodes.CLI_ARGS]: 400,
  [ApiErrorCodes.TOKEN_ROLE_INVALID]: 400,
  [ApiErrorCodes.API_UNAUTHORIZED]: 401,
  [ApiErrorCodes.API_FORBIDDEN]: 403,
  [ApiErrorCodes.API_NOT_FOUND]: 404,
  [ApiErrorCodes.TOKEN_NOT_FOUND]: 404,
  [FleetErrorCodes.UNKNOWN_GATEWAY]: 404,
  [FleetErrorCodes.UNKNOWN_DEVICE]: 404,
  [FleetErrorCodes.UNKNOWN_MODEL]: 404,
  [FleetErrorCodes.UNKNOWN_CAMPAIGN]: 404,
  [FleetErrorCodes.NOT_IN_GROUP]: 404,
  [FleetErrorCodes.VERSION_NOT_REGISTERED]: 404,
  [FleetErrorCodes.NO_DEVICE_RUNS_VERSION]: 404,
  [FleetErrorCodes.VERSION_EXISTS]: 409,
  [FleetErrorCodes.VERSION_WITHDRAWN]: 409,
  [FleetErrorCodes.VERSION_OLDER]: 409,
  [FleetErrorCodes.NO_EARLIER_VERSION]: 409,
  [FleetErrorCodes.NOT_ASSIGNED]: 409,
  [FleetErrorCodes.OUTCOME_FAILED]: 409,
  [FleetErrorCodes.CAMPAIGN_STATE]: 409,
  [FleetErrorCodes.CAMPAIGN_INVALID]: 400,
  [ReviewErrorCodes.REVIEW_ITEM_UNKNOWN]: 404,
  [ReviewErrorCodes.REVIEW_LABEL_CONFLICT]: 409,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [MonitorErrorCodes.MONITOR_WINDOW_INVALID]: 400,
  [MonitorErrorCodes.ALERT_UNKNOWN]: 404,
  [RetrainErrorCodes.RETRAIN_UNKNOWN_RUN]: 404,
  [RetrainErrorCodes.RETRAIN_NO_CHAMPION]: 404,
  [RetrainErrorCodes.RETRAIN_BUSY]: 409,
  [RetrainErrorCodes.RETRAIN_FRESH_INVALID]: 400,
  [RetrainErrorCodes.RETRAIN_SPEC_MISMATCH]: 400,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** The status and `{ error: { code, message, details? } }` body an error is answered with. */
export function errorReply(err: unknown, bodyLimit: number): { status: number; body: ErrorBody } {
  if (err instanceof OutpostError) {
    const details = Object.keys(err.details).length > 0 ? { details: err.details } : {};
    return {
      status: HTTP_STATUS[err.code] ?? 500,
      body: { error: { code: err.code, message: err.message, ...details } },
    };
  }
  const fe = err as Partial<FastifyError>;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return {
      status: 413,
      body: { error: { code: ErrorCodes.PAYLOAD_TOO_LARGE, message: `body exceeds ${bodyLimit} bytes` } },
    };
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return {
      status: 415,
      body: { error: { code: ApiErrorCodes.API_REQUEST_INVALID, message: 'send application/json' } },
    };
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.code?.startsWith('FST_ERR_CTP') ? ErrorCodes.NOT_JSON : ApiErrorCodes.API_REQUEST_INVALID;
    return { status: 400, body: { error: { code, message: fe.message ?? 'bad request' } } };
  }
  return {
    status: 500,
    body: { error: { code: ApiErrorCodes.API_INTERNAL, message: 'internal error (logged by the fleet)' } },
  };
}
