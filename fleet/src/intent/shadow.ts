/** Shadow mode asked for in the signed desired state (docs/DEVICE.md "Shadow mode"). */
import { assertId, shadowFor, signDesiredState, type DesiredState, type ShadowAssignment } from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { devicesOf } from './outcome.ts';
import {
  audit,
  publishDesired,
  isoNow,
  knownGateway,
  registered,
  type DesiredStateDeps,
  type IntentOptions,
  type IntentTarget,
} from '../desired-state.ts';

/**
 * Asks a gateway's devices (all, or `devices`) to run a registered version in shadow beside their
 * active model (docs/DEVICE.md "Shadow mode"): scored on the same inputs, never served, compared in
 * telemetry. `version` undefined turns shadow mode off for that scope. A scope holds one candidate;
 * a new one replaces it. Signed, stored, published and audited like an assignment.
 */
export async function setShadow(
  deps: DesiredStateDeps,
  gatewayId: string,
  candidate: { model: string; version: number } | undefined,
  devices?: string[],
  opts: IntentOptions = {},
): Promise<IntentTarget> {
  assertId('gateway', gatewayId);
  for (const d of devices ?? []) assertId('device', d);
  const { store } = deps;
  if (!opts.allowUnknown) {
    if (!knownGateway(store, gatewayId))
      throw fleetError(FleetErrorCodes.UNKNOWN_GATEWAY, `the fleet has never heard from gateway ${gatewayId}`, {
        gateway: gatewayId,
      });
    const known = new Set(devicesOf(store, gatewayId));
    const unknown = (devices ?? []).filter((d) => !known.has(d));
    if (unknown.length > 0)
      throw fleetError(FleetErrorCodes.UNKNOWN_DEVICE, `no device ${unknown.join(', ')} at gateway ${gatewayId}`, {
        gateway: gatewayId,
        devices: unknown,
      });
  }
  const previous = store.getDesired(gatewayId);
  const scope = devices === undefined ? undefined : [...new Set(devices)].sort();
  // Take the scope out of every entry (site-wide: the site-wide entry; devices: their entries).
  const drop = new Set(scope ?? []);
  const kept: ShadowAssignment[] = [];
  for (const e of previous?.shadow ?? []) {
    if (scope === undefined) {
      if (e.devices !== undefined) kept.push(e);
      continue;
    }
    if (e.devices === undefined) kept.push(e);
    else {
      const left = e.devices.filter((d) => !drop.has(d));
      if (left.length > 0) kept.push({ ...e, devices: left });
    }
  }
  let entry: ShadowAssignment | undefined;
  if (candidate) {
    assertId('model', candidate.model);
    const artifact = registered(store, candidate.model, candidate.version);
    entry = {
      name: candidate.model,
      version: candidate.version,
      artifactId: artifact.artifactId,
      ...(scope ? { devices: scope } : {}),
    };
  } else {
    const had = (previous?.shadow ?? []).some((e) =>
      scope === undefined ? e.devices === undefined : e.devices?.some((d) => drop.has(d)),
    );
    if (!had)
      throw fleetError(FleetErrorCodes.NOT_ASSIGNED, `no shadow candidate in that scope at ${gatewayId}`, {
        gateway: gatewayId,
        ...(scope ? { devices: scope } : {}),
      });
  }
  const shadow = entry ? [...kept, entry] : kept;
  const next: DesiredState = {
    target: gatewayId,
    revision: (previous?.revision ?? 0) + 1,
    issuedAt: isoNow(deps.clock),
    models: previous?.models ?? [],
    ...(shadow.length > 0 ? { shadow } : {}),
  };
  const signed = signDesiredState(next, deps.intentKeys);
  store.putDesired(signed);
  if (deps.transport) await publishDesired(deps.transport, signed);
  const list =
    scope ?? devicesOf(store, gatewayId).filter((d) => shadowFor(signed, d)?.artifactId === entry?.artifactId);
  audit(deps, opts, candidate ? 'shadow' : 'shadow-off', gatewayId + (scope ? ` devices ${scope.join(',')}` : ''), {
    ...(candidate ? { model: candidate.model, version: candidate.version } : {}),
    details: { gateway: gatewayId, revision: signed.revision, devices: list },
  });
  return { gatewayId, state: signed, devices: list };
}
