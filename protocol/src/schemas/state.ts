import { z } from 'zod';
import { Id, IsoTime, Sha256 } from './common.ts';

/** One model a node should run. `artifactId` is the sha256 of the artifact's manifest.json bytes. */
export const ModelAssignment = z.strictObject({
  name: Id,
  version: z.number().int().positive(),
  artifactId: Sha256,
  /** Devices this assignment is for; absent means every device of the gateway. */
  devices: z.array(Id).optional(),
});
export type ModelAssignment = z.infer<typeof ModelAssignment>;

/** Retained on `desired` (docs/ARCHITECTURE.md "Deploy: desired → reported"). Reconciling it is idempotent. */
export const DesiredState = z.strictObject({
  target: Id,
  /** Increases with every change; a node reports the revision it has converged to. */
  revision: z.number().int().nonnegative(),
  issuedAt: IsoTime,
  models: z.array(ModelAssignment),
});
export type DesiredState = z.infer<typeof DesiredState>;

export const RunningModel = z.strictObject({
  name: Id,
  version: z.number().int().positive(),
  artifactId: Sha256,
  state: z.enum(['downloading', 'verifying', 'loading', 'active', 'failed']),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});
export type RunningModel = z.infer<typeof RunningModel>;

/** Retained on `reported`. */
export const ReportedState = z.strictObject({
  source: Id,
  kind: z.enum(['gateway', 'device']),
  /** The desired revision this report answers (-1 before any desired state arrived). */
  revision: z.number().int().min(-1),
  at: IsoTime,
  status: z.enum(['idle', 'updating', 'converged', 'failed']),
  models: z.array(RunningModel),
  /**
   * Older gateways listed the devices they had heard from; a gateway now sends `deviceCount`
   * instead (the fleet learns each device from its own relayed report), so its report stays small.
   */
  devices: z.array(Id).optional(),
  /** A gateway's number of registered devices. */
  deviceCount: z.number().int().nonnegative().optional(),
  /** Set by the gateway on device reports it relays. */
  gateway: Id.optional(),
});
export type ReportedState = z.infer<typeof ReportedState>;
