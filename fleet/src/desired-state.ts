import {
  assertId,
  encode,
  topics,
  type Clock,
  type DesiredState,
  type ModelAssignment,
  type Transport,
} from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from './errors.ts';
import type { FleetStore } from './store/fleet-store.ts';

export interface DesiredStateDeps {
  store: FleetStore;
  clock: Clock;
  /** Where the desired state is published; absent = store only (e.g. an offline CLI run). */
  transport?: Transport;
}

const deviceKey = (devices: readonly string[] | undefined): string =>
  devices === undefined ? '*' : [...devices].sort().join(',');

/**
 * The next desired state of a gateway once `assignment` is added: an assignment replaces the
 * gateway's previous one for the same model and the same device set; an assignment for every
 * device (no `devices`) replaces every earlier assignment of that model.
 */
export function nextDesiredState(
  previous: DesiredState | undefined,
  gatewayId: string,
  assignment: ModelAssignment,
  issuedAt: string,
): DesiredState {
  const key = deviceKey(assignment.devices);
  const kept = (previous?.models ?? []).filter(
    (m) => m.name !== assignment.name || (assignment.devices !== undefined && deviceKey(m.devices) !== key),
  );
  return {
    target: gatewayId,
    revision: (previous?.revision ?? 0) + 1,
    issuedAt,
    models: [...kept, assignment],
  };
}

/**
 * Assigns a registered model version to a gateway (docs/ARCHITECTURE.md "Deploy: desired → reported"):
 * stores the next desired state, then publishes it retained at QoS 1 so a gateway that connects
 * later still reads it.
 */
export async function assign(
  deps: DesiredStateDeps,
  gatewayId: string,
  modelName: string,
  version: number,
  devices?: string[],
): Promise<DesiredState> {
  assertId('gateway', gatewayId);
  assertId('model', modelName);
  for (const d of devices ?? []) assertId('device', d);
  const artifact = deps.store.findArtifact(modelName, version);
  if (!artifact) {
    throw fleetError(FleetErrorCodes.VERSION_NOT_REGISTERED, `no registered artifact for ${modelName} v${version}`, {
      name: modelName,
      version,
    });
  }
  const assignment: ModelAssignment = {
    name: modelName,
    version,
    artifactId: artifact.artifactId,
    ...(devices !== undefined ? { devices: [...new Set(devices)].sort() } : {}),
  };
  const state = nextDesiredState(
    deps.store.getDesired(gatewayId),
    gatewayId,
    assignment,
    new Date(deps.clock.now()).toISOString(),
  );
  deps.store.putDesired(state);
  if (deps.transport) await publishDesired(deps.transport, state);
  return state;
}

export function publishDesired(transport: Transport, state: DesiredState): Promise<void> {
  return transport.publish(topics.gateway(state.target, 'desired'), encode(state), { qos: 1, retain: true });
}
