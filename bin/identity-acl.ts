import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrokerIdentity } from '@outpost/protocol';
import {
  DEFAULT_MAX_PACKET_BYTES,
  mosquittoAclText,
  mosquittoConfText,
  mosquittoHash,
  mosquittoPasswdText,
  newServiceCredential,
  usageError,
  type CommandContext,
  type MosquittoUser,
} from '@outpost/protocol/node';

/** The service user's credential of a site broker run by mosquitto, kept next to the files. */
export const SITE_SERVICE_FILE = 'service-credentials.json';

/**
 * `outpost acl mosquitto`: the password file (`$7$` PBKDF2-SHA512 hashes, as the credential store
 * keeps them), the ACL file and a configuration, for the fleet's broker (gateways and the fleet's
 * own user) or a site broker (devices and the gateway's local user). Secrets never leave the stores
 * in clear; only the service user's credential is written (0600), for the tier to connect with.
 */
export async function writeMosquittoFiles(
  opts: { tier: 'fleet' | 'gateway'; gatewayId?: string; dataDir: string; out: string; port: number },
  ctx: CommandContext,
): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  const out = resolve(opts.out);
  const users: MosquittoUser[] = [];
  if (opts.tier === 'fleet') {
    const { openFleetCredentials, loadOrCreateServiceCredential } = await import('@outpost/fleet');
    const service = loadOrCreateServiceCredential(dataDir, 'outpost-fleet');
    users.push({
      username: service.username,
      identity: { role: 'service', id: service.username, serves: 'gateways' },
      mosquittoHash: mosquittoHash(service.password),
    });
    const { store } = openFleetCredentials(dataDir);
    try {
      for (const c of store.listCredentials())
        users.push({ username: c.id, identity: { role: 'gateway', id: c.id }, mosquittoHash: c.mosquittoHash });
    } finally {
      store.close();
    }
  } else {
    if (opts.gatewayId === undefined) throw usageError('--gateway-id', 'required with --tier gateway');
    const { openGatewayCredentials, localServiceId } = await import('@outpost/gateway');
    const service = newServiceCredential(localServiceId(opts.gatewayId));
    mkdirSync(out, { recursive: true });
    const path = join(out, SITE_SERVICE_FILE);
    writeFileSync(path, `${JSON.stringify(service, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    const identity: BrokerIdentity = { role: 'service', id: service.username, serves: 'devices' };
    users.push({ username: service.username, identity, mosquittoHash: mosquittoHash(service.password) });
    const store = openGatewayCredentials(dataDir);
    try {
      for (const c of store.listCredentials())
        users.push({ username: c.id, identity: { role: 'device', id: c.id }, mosquittoHash: c.mosquittoHash });
    } finally {
      store.close();
    }
  }
  mkdirSync(out, { recursive: true });
  const passwordFile = join(out, 'passwd');
  const aclFile = join(out, 'acl');
  writeFileSync(passwordFile, mosquittoPasswdText(users), { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
  writeFileSync(aclFile, mosquittoAclText(users), { mode: 0o644 });
  writeFileSync(
    join(out, 'mosquitto.conf'),
    mosquittoConfText({ port: opts.port, aclFile, passwordFile, maxPacketBytes: DEFAULT_MAX_PACKET_BYTES }),
  );
  ctx.io.out(`wrote ${users.length} users to ${passwordFile}, ${aclFile} and ${join(out, 'mosquitto.conf')}`);
}
