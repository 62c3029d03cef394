import { assertId, type Clock } from '@outpost/protocol';
import { audit, knownGateway, type IntentOptions } from '../desired-state.ts';
import { fleetError, FleetErrorCodes } from '../errors.ts';
import type { FleetStore } from '../store/fleet-store.ts';

export interface MoveResult {
  device: string;
  /** The gateway that relayed the device until now; undefined for a device never seen. */
  from: string | undefined;
  to: string;
}

/**
 * Moves a device to another gateway (docs/OPERATIONS.md "Moving a device"): from now on the fleet's
 * broker lets only `gatewayId` publish on the device's topics and ingestion accepts the device's
 * messages only through it (docs/SECURITY.md "Broker access"). Recorded in the audit log. The
 * device itself must be enrolled at its new gateway (`outpost enroll --gateway`); per-device
 * assignments it had at the old site stay there until unassigned.
 */
export function moveDevice(
  deps: { store: FleetStore; clock: Clock },
  deviceId: string,
  gatewayId: string,
  opts: IntentOptions = {},
): MoveResult {
  assertId('device', deviceId);
  assertId('gateway', gatewayId);
  const { store } = deps;
  if (!opts.allowUnknown && !knownGateway(store, gatewayId)) {
    throw fleetError(FleetErrorCodes.UNKNOWN_GATEWAY, `the fleet has never heard from gateway ${gatewayId}`, {
      gateway: gatewayId,
    });
  }
  const from = store.deviceGateway(deviceId);
  store.rebindDeviceGateway(deviceId, gatewayId, new Date(deps.clock.now()).toISOString());
  audit(deps, opts, 'move-device', deviceId, { details: { from: from ?? null, to: gatewayId } });
  return { device: deviceId, from, to: gatewayId };
}
