import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_CLIENT_SUFFIX } from '@outpost/protocol';
import { IdentityErrorCodes, newServiceCredential, type ServiceCredential } from '@outpost/protocol/node';
import { OutpostError } from '@outpost/protocol';

/** The fleet's own broker credential, in its data dir (mode 0600). */
export const SERVICE_CREDENTIALS_FILE = 'service-credentials.json';

/**
 * Reads the fleet's own broker credential from its data dir, or creates it there on first start
 * (docs/SECURITY.md "Identity"). Operator commands on the fleet host (`outpost assign`) read it to
 * publish as the fleet; `outpost acl mosquitto` writes its hash for an external broker.
 */
export function loadOrCreateServiceCredential(dataDir: string, username: string): ServiceCredential {
  const path = join(dataDir, SERVICE_CREDENTIALS_FILE);
  if (existsSync(path)) {
    const cred = readServiceCredential(dataDir);
    if (cred.username === username) return cred;
  }
  const cred = newServiceCredential(username);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cred, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return cred;
}

/** The fleet's service credential; OUTPOST_ERR_CREDENTIALS_INVALID when the file is missing or malformed. */
export function readServiceCredential(dataDir: string): ServiceCredential {
  const path = join(dataDir, SERVICE_CREDENTIALS_FILE);
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServiceCredential>;
    if (typeof v.username !== 'string' || typeof v.password !== 'string') throw new Error('not a credential');
    return { username: v.username, password: v.password };
  } catch (cause) {
    throw new OutpostError(
      IdentityErrorCodes.CREDENTIALS_INVALID,
      `${path} is missing or not a credential; start the fleet once`,
      {
        details: { file: path },
        cause,
      },
    );
  }
}

/** A client id for an operator command acting under the service credential. */
export function operatorClientId(cred: ServiceCredential): string {
  return `${cred.username}${OPERATOR_CLIENT_SUFFIX}${process.pid}-${Date.now().toString(36)}`;
}
