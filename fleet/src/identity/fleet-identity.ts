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
import type { MayRelay } from '@outpost/protocol';

/** Opens the credentials of the fleet's gateways (`<dataDir>/credentials.db`) without starting anything. */
export function openFleetCredentials(dataDir: string): { store: CredentialStore } {
  return { store: openSqliteCredentialStore(new Database(join(dataDir, CREDENTIALS_DB_FILE))) };
}

/**
 * The fleet's identity (docs/SECURITY.md "Identity"): gateways' credentials, the fleet's own
 * service credential on its broker, and which gateway may relay which device (`mayRelay`,
 * relay-bindings.ts).
 */
export function createFleetIdentity(opts: {
  dataDir: string;
  /** The fleet's own client credential on its broker (service-credential.ts). */
  service: ServiceCredential;
  fleetKeyPem?: () => string | undefined;
  clock: Clock;
  logger: Logger;
  revalidateMs?: number;
  mayRelay: MayRelay;
}): TierIdentity {
  const { store } = openFleetCredentials(opts.dataDir);
  return createTierIdentity({
    store,
    serves: 'gateways',
    service: opts.service,
    mayRelay: opts.mayRelay,
    ...(opts.fleetKeyPem ? { fleetKeyPem: opts.fleetKeyPem } : {}),
    clock: opts.clock,
    logger: opts.logger,
    ...(opts.revalidateMs !== undefined ? { revalidateMs: opts.revalidateMs } : {}),
  });
}
