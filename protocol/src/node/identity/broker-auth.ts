import { createHash, timingSafeEqual } from 'node:crypto';
import type { BrokerIdentity, MayRelay } from '../../acl.ts';
import type { NodeKind } from '../../topics.ts';
import type { CredentialStore } from './credential-store.ts';
import { randomSecret, verifySecret } from './secret-hash.ts';

/** A client the broker has authenticated, with a stamp of the credentials it used. */
export interface AuthenticatedClient {
  identity: BrokerIdentity;
  /** Changes when the credentials change (rotation), so a live client can be found stale. */
  stamp: string;
}

/** How a broker authenticates clients and authorises what they do (docs/SECURITY.md "Broker access"). */
export interface BrokerAuth {
  authenticate(username: string, password: Buffer): Promise<AuthenticatedClient | undefined>;
  /** Whether a connected client's credentials are still the stored ones (not revoked, not rotated). */
  stillValid(client: AuthenticatedClient): boolean;
  /** For gateways on the fleet broker: which devices a gateway relays. */
  mayRelay?: MayRelay;
}

/** The broker owner's own client credentials (the fleet keeps its own in service-credentials.json). */
export interface ServiceCredential {
  username: string;
  password: string;
}

export function newServiceCredential(username: string): ServiceCredential {
  return { username, password: randomSecret() };
}

const digest = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();

/**
 * A broker's authentication from the owner's credential store: the service user (the owner's own
 * client, when it has a credential: the fleet's; a gateway's local client is in-process and has
 * none) and the nodes of `nodeRole` enrolled in `store`. A node's user name is its id.
 */
export function credentialAuth(opts: {
  store: CredentialStore;
  nodeRole: 'gateway' | 'device';
  service?: ServiceCredential;
  serves: NodeKind;
  mayRelay?: MayRelay;
}): BrokerAuth {
  const { service } = opts;
  const serviceDigest = service ? digest(service.password) : undefined;
  return {
    async authenticate(username, password) {
      if (service && serviceDigest && username === service.username) {
        if (!timingSafeEqual(digest(password), serviceDigest)) return undefined;
        return { identity: { role: 'service', id: username, serves: opts.serves }, stamp: 'service' };
      }
      const record = opts.store.getCredential(username);
      if (!record || !(await verifySecret(password, record.secretHash))) return undefined;
      return { identity: { role: opts.nodeRole, id: username }, stamp: record.secretHash };
    },
    stillValid(client) {
      if (client.identity.role === 'service') return true;
      return opts.store.getCredential(client.identity.id)?.secretHash === client.stamp;
    },
    ...(opts.mayRelay ? { mayRelay: opts.mayRelay } : {}),
  };
}
