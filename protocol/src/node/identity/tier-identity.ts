import { systemClock, silentLogger, type Clock, type Logger } from '../../runtime.ts';
import type { MayRelay } from '../../acl.ts';
import type { NodeKind } from '../../topics.ts';
import { credentialAuth, type BrokerAuth, type ServiceCredential } from './broker-auth.ts';
import type { CredentialStore } from './credential-store.ts';
import {
  createEnrollToken,
  issueCredentials,
  redeemEnrollToken,
  revokeCredentials,
  type EnrollReply,
} from './enrollment.ts';

/** How often a running tier looks for revoked or rotated credentials of connected clients. */
export const DEFAULT_REVALIDATE_MS = 1000;

/** The part of an embedded broker the identity needs (revocation disconnects live clients). */
export interface RevalidatingBroker {
  revalidate(): number;
}

/**
 * A serving tier's identity duties (docs/SECURITY.md "Identity"), the same for the fleet (which
 * serves gateways) and a gateway (which serves devices): the credential store of the nodes it
 * serves, its own service credential for its broker (when it has one), enrolment and revocation.
 */
export interface TierIdentity {
  readonly store: CredentialStore;
  /**
   * The owner's own client credentials on its broker: the fleet's, which operator commands and an
   * external broker use. A gateway has none: its local client is in-process beside its broker, so
   * no one can log in to a site broker as the gateway.
   */
  readonly service: ServiceCredential | undefined;
  readonly auth: BrokerAuth;
  /** Lets revocation (here, or by another process through the store) disconnect live clients. */
  attach(broker: RevalidatingBroker): void;
  createEnrollToken(nodeId: string, ttlMs?: number): { token: string; expiresAt: number };
  /** Issues credentials directly (in-process enrolment, e.g. a composed stack). */
  issue(nodeId: string): { username: string; password: string };
  /** Redeems a token (the enrol endpoint); OUTPOST_ERR_ENROLL_TOKEN_INVALID when refused. */
  redeem(token: string): EnrollReply;
  /** Removes a node's credentials and disconnects it; OUTPOST_ERR_NOT_ENROLLED when it had none. */
  revoke(nodeId: string): void;
  close(): void;
}

export function createTierIdentity(opts: {
  store: CredentialStore;
  /** Whom the tier serves: 'gateways' (the fleet) or 'devices' (a gateway). */
  serves: NodeKind;
  /** The owner's client credential on its broker; absent, the broker accepts no service login. */
  service?: ServiceCredential;
  mayRelay?: MayRelay;
  /** Put into enrol replies: the fleet's intent public key, when it has one. */
  fleetKeyPem?: () => string | undefined;
  clock?: Clock;
  logger?: Logger;
  revalidateMs?: number;
}): TierIdentity {
  const clock = opts.clock ?? systemClock;
  const log = (opts.logger ?? silentLogger).child({ component: 'identity' });
  const { service } = opts;
  const kind = opts.serves === 'gateways' ? 'gateway' : 'device';
  const auth = credentialAuth({
    store: opts.store,
    nodeRole: kind,
    ...(service ? { service } : {}),
    serves: opts.serves,
    ...(opts.mayRelay ? { mayRelay: opts.mayRelay } : {}),
  });
  const brokers: RevalidatingBroker[] = [];
  let timer: unknown;
  const revalidate = (): void => {
    for (const b of brokers) b.revalidate();
  };
  return {
    store: opts.store,
    service,
    auth,
    attach(broker) {
      brokers.push(broker);
      if (timer === undefined) timer = clock.setInterval(revalidate, opts.revalidateMs ?? DEFAULT_REVALIDATE_MS);
    },
    createEnrollToken(nodeId, ttlMs) {
      const t = createEnrollToken(opts.store, nodeId, {
        now: clock.now(),
        kind,
        ...(ttlMs !== undefined ? { ttlMs } : {}),
      });
      log.info({ [kind]: nodeId, expiresAt: new Date(t.expiresAt).toISOString() }, 'enrolment token created');
      return t;
    },
    issue(nodeId) {
      const creds = issueCredentials(opts.store, nodeId, clock.now());
      log.info({ [kind]: nodeId }, 'credentials issued');
      revalidate(); // a rotation disconnects whoever used the old secret
      return creds;
    },
    redeem(token) {
      const creds = redeemEnrollToken(opts.store, token, clock.now());
      log.info({ [kind]: creds.id }, 'enrolled');
      revalidate();
      const fleetKeyPem = opts.fleetKeyPem?.();
      return { ...creds, ...(fleetKeyPem !== undefined ? { fleetKeyPem } : {}) };
    },
    revoke(nodeId) {
      revokeCredentials(opts.store, nodeId);
      log.info({ [kind]: nodeId }, 'credentials revoked');
      revalidate();
    },
    close() {
      if (timer !== undefined) clock.clearInterval(timer);
      timer = undefined;
      opts.store.close();
    },
  };
}
