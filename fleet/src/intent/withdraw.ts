/** Withdrawing a registered version (docs/OPERATIONS.md "Roll back"). */
import { assertId } from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { audit, isoNow, type DesiredStateDeps, type IntentOptions } from '../desired-state.ts';

export interface WithdrawResult {
  /** Devices that report the withdrawn version active (they keep running it until told otherwise). */
  runningOn: { device: string; gateway?: string }[];
  /** Gateways whose desired state still assigns it. */
  assignedAt: string[];
}

/** Withdraws a registered version: it can no longer be assigned; reports where it still runs. */
export function withdraw(
  deps: Pick<DesiredStateDeps, 'store' | 'clock'>,
  model: string,
  version: number,
  opts: IntentOptions = {},
): WithdrawResult {
  assertId('model', model);
  const { store } = deps;
  if (!store.findArtifact(model, version)) {
    throw fleetError(FleetErrorCodes.VERSION_NOT_REGISTERED, `no registered artifact for ${model} v${version}`, {
      name: model,
      version,
    });
  }
  store.withdrawArtifact(model, version, isoNow(deps.clock));
  const runningOn = store
    .listReported()
    .filter(
      (r) =>
        r.kind === 'device' && r.models.some((m) => m.name === model && m.version === version && m.state === 'active'),
    )
    .map((r) => ({ device: r.source, ...(r.gateway ? { gateway: r.gateway } : {}) }));
  const assignedAt = store
    .listDesired()
    .filter((s) => s.models.some((m) => m.name === model && m.version === version))
    .map((s) => s.target);
  audit(deps, opts, 'withdraw', 'fleet', {
    model,
    version,
    details: { runningOn: runningOn.map((r) => r.device), assignedAt },
  });
  return { runningOn, assignedAt };
}
