import type { FleetStore } from '../store/fleet-store.ts';

export const DEFAULT_MAX_DEVICES_PER_GATEWAY = 10_000;

/**
 * May `gatewayId` publish on `deviceId`'s topics (docs/SECURITY.md "Broker access")? The fleet does
 * not enrol devices (their gateway does), so a device is bound to the first gateway that relays it
 * and from then on only that gateway may; an operator moves it (`outpost devices move`). The
 * binding is the store's `deviceGateway`, the same one ingestion checks every payload against
 * (docs/ARCHITECTURE.md "Telemetry"), so the broker and ingestion never disagree. A gateway may
 * bind at most `maxDevicesPerGateway` devices, so one gateway's credentials cannot fill the table.
 */
export function mayRelay(
  store: FleetStore,
  gatewayId: string,
  deviceId: string,
  now: string,
  maxDevicesPerGateway = DEFAULT_MAX_DEVICES_PER_GATEWAY,
): boolean {
  const bound = store.deviceGateway(deviceId);
  if (bound !== undefined) return bound === gatewayId;
  if (store.countGatewayDevices(gatewayId) >= maxDevicesPerGateway) return false;
  return store.bindDeviceGateway(deviceId, gatewayId, now) === gatewayId;
}
