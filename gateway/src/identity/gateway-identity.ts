import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Clock, Logger } from '@outpost/protocol';
import {
  CREDENTIALS_DB_FILE,
  createTierIdentity,
  openSqliteCredentialStore,
  type CredentialStore,
  type TierIdentity,
} from '@outpost/protocol/node';

/** Opens the credentials of a gateway's devices (`<dataDir>/credentials.db`) without starting anything. */
export function openGatewayCredentials(dataDir: string): CredentialStore {
  return openSqliteCredentialStore(new Database(join(dataDir, CREDENTIALS_DB_FILE)));
}

/** The site broker's user name (and client id) of the gateway's own local client. */
export const localServiceId = (gatewayId: string): string => `gw-${gatewayId}-local`;

/**
 * A gateway's identity duties towards its devices (docs/SECURITY.md "Identity"): their
 * credentials, enrolment and revocation. The gateway's own local client is in-process beside its
 * site broker, so it has no service credential and the broker accepts no service login. The
 * fleet's intent key, when the gateway has one, is handed to enrolling devices.
 */
export function createGatewayIdentity(opts: {
  gatewayId: string;
  dataDir: string;
  fleetKeyPem?: () => string | undefined;
  clock: Clock;
  logger: Logger;
  revalidateMs?: number;
}): TierIdentity {
  return createTierIdentity({
    store: openGatewayCredentials(opts.dataDir),
    serves: 'devices',
    ...(opts.fleetKeyPem ? { fleetKeyPem: opts.fleetKeyPem } : {}),
    clock: opts.clock,
    logger: opts.logger,
    ...(opts.revalidateMs !== undefined ? { revalidateMs: opts.revalidateMs } : {}),
  });
}
