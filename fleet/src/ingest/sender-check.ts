import { fleetError, FleetErrorCodes } from '../errors.ts';
import type { IngestContext } from './handler.ts';

/**
 * A device's messages are accepted only through the gateway the device belongs to
 * (docs/ARCHITECTURE.md "Telemetry"), so a window, label or report forged through another gateway
 * (or with no gateway at all) cannot take a device's place: its sequence numbers cannot shadow the
 * device's real ones. The binding is `store.deviceGateway` — made on first sight, or from the
 * device's stored report — and the relaying gateway is the one the payload names: the broker lets
 * a gateway publish only on its own devices' topics (docs/SECURITY.md). Returns that gateway.
 */
export function assertRelayedByOwner(
  what: string,
  deviceId: string,
  gateway: string | undefined,
  ctx: IngestContext,
): string {
  if (gateway === undefined) {
    throw fleetError(
      FleetErrorCodes.RELAY_MISSING,
      `${what} of ${JSON.stringify(deviceId)} names no relaying gateway`,
      {
        device: deviceId,
      },
    );
  }
  const owner = ctx.store.bindDeviceGateway(deviceId, gateway, new Date(ctx.clock.now()).toISOString());
  if (owner !== gateway) {
    throw fleetError(
      FleetErrorCodes.DEVICE_NOT_ON_GATEWAY,
      `${what} of ${JSON.stringify(deviceId)} arrived through ${JSON.stringify(gateway)}; the device belongs to ${JSON.stringify(owner)}`,
      { device: deviceId, gateway, owner },
    );
  }
  return gateway;
}
