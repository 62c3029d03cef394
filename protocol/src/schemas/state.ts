import { z } from 'zod';
import { Id, IsoTime, Sha256 } from './common.ts';
import { Signature } from './manifest.ts';

/** One model a node should run. `artifactId` is the sha256 of the artifact's manifest.json bytes. */
export const ModelAssignment = z.strictObject({
  name: Id,
  version: z.number().int().positive(),
  artifactId: Sha256,
  /**
   * Devices this assignment is for (a per-device override); absent means every device of the
   * gateway that has no override of its own (docs/ARCHITECTURE.md "Deploy: desired → reported").
   */
  devices: z.array(Id).optional(),
  /**
   * An explicit rollback: the devices may go back to this older version (it is signed with the rest
   * of the desired state, so only the fleet can waive the "newer than the last accepted" rule).
   */
  rollback: z.literal(true).optional(),
});
export type ModelAssignment = z.infer<typeof ModelAssignment>;

/**
 * A candidate version a device runs in shadow beside its active model (docs/DEVICE.md "Shadow
 * mode"): scored on the same inputs, never served. `devices` as in ModelAssignment: absent means
 * every device of the gateway without a shadow entry of its own.
 */
export const ShadowAssignment = z.strictObject({
  name: Id,
  version: z.number().int().positive(),
  artifactId: Sha256,
  devices: z.array(Id).optional(),
});
export type ShadowAssignment = z.infer<typeof ShadowAssignment>;

/**
 * Retained on `desired` (docs/ARCHITECTURE.md "Deploy: desired → reported"). Reconciling it is
 * idempotent. The fleet signs it with its intent key (canonical JSON without `signature`, like a
 * manifest); the gateway forwards the same signed state to its devices, and both verify it
 * (docs/SECURITY.md "Signed intent").
 */
export const DesiredState = z.strictObject({
  /** The gateway this state is for. */
  target: Id,
  /** Increases with every change of the target's state; a node reports the revision it has converged to. */
  revision: z.number().int().nonnegative(),
  issuedAt: IsoTime,
  models: z.array(ModelAssignment),
  /** Candidates to run in shadow (optional: absent means none); signed with the rest. */
  shadow: z.array(ShadowAssignment).optional(),
  /** The fleet's intent signature; required by every verifying node. */
  signature: Signature.optional(),
});
export type DesiredState = z.infer<typeof DesiredState>;

export const RunningModel = z.strictObject({
  name: Id,
  version: z.number().int().positive(),
  artifactId: Sha256,
  state: z.enum(['downloading', 'verifying', 'loading', 'active', 'failed']),
  error: z
    .strictObject({
      code: z.string(),
      message: z.string(),
      /** A transient failure the device retries by itself at this time (ISO 8601; docs/DEVICE.md "Updates"). */
      retryAt: z.string().datetime().optional(),
    })
    .optional(),
});
export type RunningModel = z.infer<typeof RunningModel>;

/** Retained on `reported`. */
export const ReportedState = z.strictObject({
  source: Id,
  kind: z.enum(['gateway', 'device']),
  /** The desired revision this report answers (-1 before any desired state arrived). */
  revision: z.number().int().min(-1),
  at: IsoTime,
  /** `offline` is only ever sent as a node's MQTT last will (docs/ARCHITECTURE.md "Deploy: desired → reported"). */
  status: z.enum(['idle', 'updating', 'converged', 'failed', 'offline']),
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
