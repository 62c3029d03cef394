import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, assignmentFor } from '@outpost/protocol';
import { waitForOutcome } from '../../cli/wait-outcome.ts';
import type { IntentTarget } from '../../desired-state.ts';
import { FleetErrorCodes, fleetError } from '../../errors.ts';
import { DEFAULT_OFFLINE_AFTER_MS, devicesOf, type DeviceOutcome } from '../../intent/outcome.ts';
import { ErrorReply, IntentReply, MoveReply, WithdrawReply } from '../api-schemas.ts';
import type { ApiContext } from '../route-kit.ts';

/** How long an intent request waits for its devices when it asks to `wait` without `timeoutMs`. */
export const DEFAULT_API_WAIT_MS = 30_000;
/** The longest wait a request may ask for. */
export const MAX_API_WAIT_MS = 600_000;

const Reason = z.string().min(1).max(1000).optional().describe('why (kept in the audit log)');
const Devices = z.array(Id).min(1).max(10_000);
const WaitFields = {
  wait: z.boolean().default(false).describe('wait for the targeted devices and reply with their outcome'),
  timeoutMs: z
    .number()
    .int()
    .min(1)
    .max(MAX_API_WAIT_MS)
    .default(DEFAULT_API_WAIT_MS)
    .describe('how long to wait (ms, default 30000)'),
  offlineAfterMs: z
    .number()
    .int()
    .min(1)
    .default(DEFAULT_OFFLINE_AFTER_MS)
    .describe('a device silent this long is offline'),
};

const AssignBody = z.strictObject({
  gateway: Id,
  model: Id,
  version: z.number().int().positive(),
  devices: Devices.optional().describe('a per-device override (default: the whole site)'),
  reason: Reason,
  ...WaitFields,
});

const UnassignBody = z.strictObject({
  gateway: Id,
  devices: Devices.optional().describe('remove these devices’ overrides (default: the site-wide assignment)'),
  reason: Reason,
});

const RollbackBody = z.strictObject({
  model: Id,
  to: z.number().int().positive().optional().describe('the version to go back to (default: the one before)'),
  site: Id.optional().describe('only this gateway'),
  devices: Devices.optional().describe('only these devices'),
  reason: Reason,
  ...WaitFields,
});

const WithdrawBody = z.strictObject({ model: Id, version: z.number().int().positive(), reason: Reason });

const MoveBody = z.strictObject({
  device: Id,
  gateway: Id.describe('the gateway that relays it from now on'),
  reason: Reason,
});

const errors = (statuses: Record<number, string>) =>
  Object.fromEntries(Object.entries(statuses).map(([s, description]) => [s, { description, schema: ErrorReply }]));

/** The devices of a gateway whose assignment is now (model, version): what an assign targets. */
function targetedDevices(ctx: ApiContext, target: IntentTarget, model: string, version: number): string[] {
  return devicesOf(ctx.fleet.store, target.gatewayId).filter((d) => {
    const a = assignmentFor(target.state, d);
    return a?.name === model && a.version === version;
  });
}

/**
 * Waits (when asked) and replies like the CLI: every device converged, or OUTPOST_ERR_OUTCOME_FAILED
 * naming the others (the change itself stays written, as with the CLI).
 */
async function outcomeOf(
  ctx: ApiContext,
  targets: IntentTarget[],
  body: { wait: boolean; timeoutMs: number; offlineAfterMs: number },
): Promise<DeviceOutcome[] | null> {
  if (!body.wait) return null;
  const list = await waitForOutcome(ctx.fleet.store, targets, {
    timeoutMs: body.timeoutMs,
    offlineAfterMs: body.offlineAfterMs,
    now: () => ctx.clock.now(),
  });
  const bad = list.filter((o) => o.state !== 'converged');
  if (bad.length > 0)
    throw fleetError(FleetErrorCodes.OUTCOME_FAILED, `${bad.length} of ${list.length} devices did not converge`, {
      devices: bad.map((o) => ({ device: o.device, state: o.state, ...(o.error ? { code: o.error.code } : {}) })),
      outcome: list,
      targets: targets.map((t) => ({ gateway: t.gatewayId, revision: t.state.revision })),
    });
  return list;
}

const targetsReply = (targets: IntentTarget[]) =>
  targets.map((t) => ({ gateway: t.gatewayId, revision: t.state.revision, devices: t.devices }));

/**
 * Signed intent (docs/OPERATIONS.md "Roll back"): the CLI's assign, unassign, rollback and
 * withdraw with the same checks and codes; the operator token's name is the audit log's actor.
 */
export function intentRoutes(_app: FastifyInstance, ctx: ApiContext): void {
  ctx.route({
    method: 'post',
    path: '/api/v1/assign',
    summary: 'assign a registered version to a site, or as an override to some of its devices',
    role: 'operator',
    body: AssignBody,
    responses: {
      200: { description: 'written, signed and published; with `wait`, every device converged', schema: IntentReply },
      ...errors({
        404: 'unknown gateway, device or version',
        409: 'withdrawn or older version, or (with `wait`) devices did not converge',
      }),
    },
    handler: async ({ body, operator }) => {
      const state = await ctx.fleet.assign(body.gateway, body.model, body.version, body.devices, {
        ...(operator ? { actor: operator.name } : {}),
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      });
      const target: IntentTarget = { gatewayId: body.gateway, state, devices: [] };
      target.devices = body.devices
        ? [...new Set(body.devices)].sort()
        : targetedDevices(ctx, target, body.model, body.version);
      return { targets: targetsReply([target]), version: body.version, outcome: await outcomeOf(ctx, [target], body) };
    },
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/unassign',
    summary: "remove a site's site-wide assignment, or some devices' overrides",
    role: 'operator',
    body: UnassignBody,
    responses: {
      200: { description: 'written, signed and published', schema: IntentReply },
      ...errors({ 409: 'nothing assigned there' }),
    },
    handler: async ({ body, operator }) => {
      const state = await ctx.fleet.unassign(body.gateway, body.devices, {
        ...(operator ? { actor: operator.name } : {}),
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      });
      return {
        targets: [{ gateway: body.gateway, revision: state.revision, devices: body.devices ?? [] }],
        outcome: null,
      };
    },
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/rollback',
    summary: 'roll a model back now to an earlier registered version, fleet-wide, on one site or some devices',
    role: 'operator',
    body: RollbackBody,
    responses: {
      200: { description: 'written, signed and published; with `wait`, every device converged', schema: IntentReply },
      ...errors({
        404: 'unknown gateway, device or version',
        409: 'not assigned, no earlier version, withdrawn, or (with `wait`) devices did not converge',
      }),
    },
    handler: async ({ body, operator }) => {
      const r = await ctx.fleet.rollback(body.model, {
        ...(operator ? { actor: operator.name } : {}),
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
        ...(body.to !== undefined ? { to: body.to } : {}),
        ...(body.site !== undefined ? { site: body.site } : {}),
        ...(body.devices !== undefined ? { devices: body.devices } : {}),
      });
      return { targets: targetsReply(r.targets), version: r.to, outcome: await outcomeOf(ctx, r.targets, body) };
    },
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/withdraw',
    summary: 'withdraw a registered version: it can no longer be assigned; lists where it still runs',
    role: 'operator',
    body: WithdrawBody,
    responses: {
      200: { description: 'withdrawn', schema: WithdrawReply },
      ...errors({ 404: 'no such version' }),
    },
    handler: ({ body, operator }) =>
      ctx.fleet.withdraw(body.model, body.version, {
        ...(operator ? { actor: operator.name } : {}),
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      }),
  });
  ctx.route({
    method: 'post',
    path: '/api/v1/move-device',
    summary: 'move a device to another gateway: from now on only that gateway may relay it',
    role: 'operator',
    body: MoveBody,
    responses: {
      200: { description: 'moved', schema: MoveReply },
      ...errors({ 404: 'the fleet has never heard from that gateway' }),
    },
    handler: ({ body, operator }) => {
      const r = ctx.fleet.moveDevice(body.device, body.gateway, {
        ...(operator ? { actor: operator.name } : {}),
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      });
      return { device: r.device, from: r.from ?? null, to: r.to };
    },
  });
}
