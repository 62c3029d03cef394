import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock, Logger } from '@outpost/protocol';
import {
  CREDENTIALS_DB_FILE,
  createTierIdentity,
  openSqliteCredentialStore,
  type CredentialStore,
  type ServiceCredential,
  type TierIdentity,
} from '@outpost/protocol/node';
import { openRelayBindings, type RelayBindings } from './relay-bindings.ts';

export interface FleetIdentity extends TierIdentity {
  readonly bindings: RelayBindings;
}

/** Opens the credentials of the fleet's gateways (`<dataDir>/credentials.db`) without starting anything. */
export function openFleetCredentials(dataDir: string): { store: CredentialStore; bindings: RelayBindings } {
  const db = new Database(join(dataDir, CREDENTIALS_DB_FILE));
  const bindings = openRelayBindings(db);
  return { store: openSqliteCredentialStore(db), bindings };
}

/**
 * The fleet's identity (docs/SECURITY.md "Identity"): gateways' credentials, the fleet's own
 * service credential on its broker, and which gateway relays which device (`mayRelay`).
 */
export function createFleetIdentity(opts: {
  dataDir: string;
  serviceUsername: string;
  service?: ServiceCredential;
  fleetKeyPem?: () => string | undefined;
  clock: Clock;
  logger: Logger;
  revalidateMs?: number;
}): FleetIdentity {
  const { store, bindings } = openFleetCredentials(opts.dataDir);
  const identity = createTierIdentity({
    store,
    serves: 'gateways',
    serviceUsername: opts.serviceUsername,
    ...(opts.service ? { service: opts.service } : {}),
    mayRelay: (gatewayId, deviceId) => bindings.mayRelay(gatewayId, deviceId),
    ...(opts.fleetKeyPem ? { fleetKeyPem: opts.fleetKeyPem } : {}),
    clock: opts.clock,
    logger: opts.logger,
    ...(opts.revalidateMs !== undefined ? { revalidateMs: opts.revalidateMs } : {}),
  });
  return { ...identity, bindings };
}
