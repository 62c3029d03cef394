import { canonicalJson } from './canonical-json.ts';
import { ErrorCodes, OutpostError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import type { DesiredState, ModelAssignment, ShadowAssignment } from './schemas/state.ts';
import { desiredStateSigningBytes, verifyDesiredState } from './signing.ts';

/** File in a gateway's or device's data dir holding the fleet's intent public key (PEM). */
export const FLEET_KEY_FILE = 'fleet-key.pub';

/** What a node remembers of the last desired state it accepted. */
export interface AcceptedIntent {
  revision: number;
  /** sha256 of the accepted state's signed bytes (canonical JSON without the signature). */
  digest: string;
}

export function intentDigest(state: DesiredState): string {
  return sha256Hex(desiredStateSigningBytes(state));
}

/**
 * The checks a gateway and a device make before acting on a desired state (docs/SECURITY.md
 * "Signed intent"), in this order: a fleet key is known, the fleet's intent key signed it, it is
 * for `gatewayId`, and its revision is not below the highest accepted one (the same revision is
 * accepted again only with the same content: a retained re-delivery). Throws the coded reason.
 */
export function checkIntent(
  state: DesiredState,
  opts: { fleetKeyPem: string | undefined; gatewayId: string | undefined; accepted: AcceptedIntent | undefined },
): void {
  if (opts.fleetKeyPem === undefined) {
    throw new OutpostError(ErrorCodes.INTENT_KEY_MISSING, 'no fleet intent key: desired states cannot be verified');
  }
  verifyDesiredState(state, opts.fleetKeyPem);
  if (opts.gatewayId !== undefined && state.target !== opts.gatewayId) {
    throw new OutpostError(
      ErrorCodes.INTENT_TARGET,
      `desired state for gateway ${state.target}, this node belongs to ${opts.gatewayId}`,
      { details: { target: state.target, gateway: opts.gatewayId } },
    );
  }
  const a = opts.accepted;
  if (a && (state.revision < a.revision || (state.revision === a.revision && intentDigest(state) !== a.digest))) {
    throw new OutpostError(
      ErrorCodes.INTENT_STALE,
      `desired state r${state.revision} is not newer than the accepted r${a.revision}`,
      { details: { revision: state.revision, accepted: a.revision } },
    );
  }
}

/**
 * The one assignment of a desired state that applies to a device (docs/ARCHITECTURE.md "Deploy:
 * desired → reported"): its per-device override when there is one, else the site-wide assignment
 * (the one without `devices`). A device runs exactly one model version.
 */
export function assignmentFor(state: Pick<DesiredState, 'models'>, deviceId: string): ModelAssignment | undefined {
  return (
    state.models.find((m) => m.devices?.includes(deviceId) === true) ??
    state.models.find((m) => m.devices === undefined)
  );
}

/** The shadow candidate that applies to a device: its own entry, else the site-wide one (docs/DEVICE.md "Shadow mode"). */
export function shadowFor(state: Pick<DesiredState, 'shadow'>, deviceId: string): ShadowAssignment | undefined {
  const all = state.shadow ?? [];
  return all.find((m) => m.devices?.includes(deviceId) === true) ?? all.find((m) => m.devices === undefined);
}

/** Two desired states say the same thing (signatures aside). */
export function sameIntent(a: DesiredState, b: DesiredState): boolean {
  return canonicalJson({ ...a, signature: undefined }) === canonicalJson({ ...b, signature: undefined });
}
