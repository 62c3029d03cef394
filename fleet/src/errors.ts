import { OutpostError, defineErrors, type CliErrorCode, type ProtocolErrorCode } from '@outpost/protocol';

/**
 * The fleet's own error codes, registered in the shared error registry (docs/ARCHITECTURE.md
 * "Errors"), on top of the protocol's `ErrorCodes` and the CLI kit's `CliErrorCodes`.
 */
export const FleetErrorCodes = defineErrors('fleet', {
  VERSION_EXISTS: 'this (model, version) is already registered with a different artifact id',
  VERSION_NOT_REGISTERED:
    'no artifact is registered for this (model, version): an assignment or drift request names a version the registry lacks',
  UNKNOWN_MODEL: 'a drift request names a model with no registered version',
  BROKER_UNREACHABLE: 'a CLI command could not reach the MQTT broker in time',
  RELAY_MISSING:
    "a device's telemetry window, label or report names no relaying gateway: the fleet accepts device messages only through the gateway the device belongs to; dead-lettered",
  DEVICE_NOT_ON_GATEWAY:
    "a device's telemetry window, label or report arrived through a gateway other than the one the device belongs to (`details.gateway`, `details.owner`): forged, or a device moved without being bound again; dead-lettered, never stored, so it cannot shadow the device's real sequence numbers",
  UNKNOWN_GATEWAY:
    'an assignment or rollback names a gateway the fleet has never heard from (no report, no desired state)',
  UNKNOWN_DEVICE:
    'an assignment or rollback names a device the fleet does not know at that gateway (`details.devices`)',
  VERSION_WITHDRAWN: 'the version was withdrawn (`outpost withdraw`) and can no longer be assigned or rolled back to',
  VERSION_OLDER:
    'an assignment names a version older than the one its scope runs; going back is `outpost rollback --to <version>`',
  NO_EARLIER_VERSION: 'a rollback has no registered, not withdrawn version older than the one assigned to go back to',
  NOT_ASSIGNED:
    'a rollback or unassign names a model (or scope) that has no assignment to change, or `shadow --off` a scope without a shadow candidate',
  OUTCOME_FAILED:
    'a command waited for its devices and at least one refused the change, is offline, or did not finish in time (`details.devices`)',
  NO_DEVICE_RUNS_VERSION: 'a drift request names a version no device has sent telemetry for (in the time range)',
  NOT_IN_GROUP:
    'a group command names a group the fleet does not have, or devices that are not in it (`details.devices`)',
  UNKNOWN_CAMPAIGN: 'a rollout command names a campaign id the fleet does not have',
  CAMPAIGN_INVALID:
    'a campaign cannot start as asked: bad waves or gates, a canary device outside the target, or no device left to update (`details`)',
  CAMPAIGN_STATE:
    "a rollout command does not apply in the campaign's state (resume a campaign that is not paused, pause or abort a finished one)",
  CAMPAIGN_FAILED:
    'a rollout command waited and the campaign ended paused, aborted or rolled back instead of done (`details.state`)',
  INGEST_FAILED:
    'a handler failed for a reason other than bad input (e.g. the store); the message is dead-lettered with this code',
});

export type FleetErrorCode = (typeof FleetErrorCodes)[keyof typeof FleetErrorCodes];

export function fleetError(
  code: FleetErrorCode | ApiErrorCode | ProtocolErrorCode | CliErrorCode,
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): OutpostError {
  return new OutpostError(code, message, {
    ...(details ? { details } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * Codes of the operator API and its tokens (docs/OPERATIONS.md "Dashboard and API"); the HTTP
 * status of every code the API can answer with is chosen in one place, fleet/src/http/error-status.ts.
 */
export const ApiErrorCodes = defineErrors('fleet', {
  API_UNAUTHORIZED:
    'an operator API request has no `Authorization: Bearer` token, or one the fleet does not know or has revoked (HTTP 401)',
  API_FORBIDDEN:
    "the operator token's role is below the one the request needs (viewer < operator < admin; `details.needed`, `details.role`; HTTP 403)",
  API_REQUEST_INVALID:
    'an operator API request fails its schema: body, query or path parameters (`details.issues`), or a cursor the API did not issue (HTTP 400)',
  API_NOT_FOUND: 'no operator API route has this method and path (HTTP 404)',
  API_INTERNAL: 'the operator API failed for a reason other than the request (HTTP 500, logged with its cause)',
  TOKEN_NOT_FOUND: 'a token command names an operator token id the fleet does not have',
  TOKEN_ROLE_INVALID: 'an operator token role is not one of viewer, operator, admin',
});

export type ApiErrorCode = (typeof ApiErrorCodes)[keyof typeof ApiErrorCodes];
