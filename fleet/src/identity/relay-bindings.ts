import type Database from 'better-sqlite3';

/**
 * Which gateway relays which device on the fleet broker (docs/SECURITY.md "Broker access"). The
 * fleet does not enrol devices (their gateway does), so a device is bound to the first gateway
 * that relays it, and from then on only that gateway may publish on its topics; `rebind` moves a
 * device to another gateway (an operator's decision). A gateway may bind at most
 * `maxDevicesPerGateway` devices, so one gateway's credentials cannot fill the table.
 */
export interface RelayBindings {
  mayRelay(gatewayId: string, deviceId: string): boolean;
  gatewayOf(deviceId: string): string | undefined;
  rebind(deviceId: string, gatewayId: string): void;
  /** Forgets every device of a gateway (its revocation). */
  releaseGateway(gatewayId: string): number;
}

export const DEFAULT_MAX_DEVICES_PER_GATEWAY = 10_000;

export function openRelayBindings(
  db: Database.Database,
  maxDevicesPerGateway = DEFAULT_MAX_DEVICES_PER_GATEWAY,
): RelayBindings {
  db.exec(`CREATE TABLE IF NOT EXISTS relay_bindings (
    device_id TEXT PRIMARY KEY,
    gateway_id TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS relay_bindings_gateway ON relay_bindings (gateway_id);`);
  const get = db.prepare<[string], { gateway_id: string }>('SELECT gateway_id FROM relay_bindings WHERE device_id = ?');
  const count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM relay_bindings WHERE gateway_id = ?');
  const bind = db.prepare('INSERT OR IGNORE INTO relay_bindings (device_id, gateway_id) VALUES (?, ?)');
  const rebind = db.prepare(
    'INSERT INTO relay_bindings (device_id, gateway_id) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET gateway_id = excluded.gateway_id',
  );
  const release = db.prepare('DELETE FROM relay_bindings WHERE gateway_id = ?');
  return {
    mayRelay(gatewayId, deviceId) {
      const bound = get.get(deviceId)?.gateway_id;
      if (bound !== undefined) return bound === gatewayId;
      if ((count.get(gatewayId)?.n ?? 0) >= maxDevicesPerGateway) return false;
      bind.run(deviceId, gatewayId);
      return get.get(deviceId)?.gateway_id === gatewayId;
    },
    gatewayOf: (deviceId) => get.get(deviceId)?.gateway_id,
    rebind: (deviceId, gatewayId) => void rebind.run(deviceId, gatewayId),
    releaseGateway: (gatewayId) => release.run(gatewayId).changes,
  };
}
