/**
 * The credentials a tier keeps for the nodes it serves (docs/SECURITY.md "Identity"): the fleet
 * for its gateways, a gateway for its devices. Secrets and tokens are stored hashed only
 * (secret-hash.ts). Implementations: SQLite (sqlite-credential-store.ts) and memory (below); one
 * contract suite checks both.
 */
export interface CredentialRecord {
  /** The node's id, which is also its MQTT user name. */
  id: string;
  /** `hashSecret` of the secret. */
  secretHash: string;
  /** `mosquittoHash` of the same secret, for an external broker's password file. */
  mosquittoHash: string;
  /** Epoch ms of the enrolment that set this secret. */
  issuedAt: number;
}

export interface EnrollTokenRecord {
  /** `tokenHash` of the token. */
  tokenHash: string;
  /** The node the token enrols. */
  nodeId: string;
  /** Epoch ms after which the token is refused. */
  expiresAt: number;
}

export interface CredentialStore {
  /** Creates or replaces (rotation) a node's credentials. */
  putCredential(record: CredentialRecord): void;
  getCredential(id: string): CredentialRecord | undefined;
  /** Removes a node's credentials; false when it had none. */
  removeCredential(id: string): boolean;
  /** Every node with credentials, by id. */
  listCredentials(): CredentialRecord[];
  addToken(token: EnrollTokenRecord): void;
  /**
   * Takes a token out of the store, once: the first call with an unexpired token returns it and
   * deletes it, any later call (or an expired token, which is deleted too) returns undefined.
   */
  consumeToken(tokenHash: string, now: number): EnrollTokenRecord | undefined;
  /** Tokens not yet used (expired ones included until consumed or pruned). */
  countTokens(): number;
  /** Deletes expired tokens; returns how many. */
  pruneTokens(now: number): number;
  close(): void;
}

export function createMemoryCredentialStore(): CredentialStore {
  const credentials = new Map<string, CredentialRecord>();
  const tokens = new Map<string, EnrollTokenRecord>();
  return {
    putCredential: (r) => void credentials.set(r.id, { ...r }),
    getCredential: (id) => {
      const r = credentials.get(id);
      return r ? { ...r } : undefined;
    },
    removeCredential: (id) => credentials.delete(id),
    listCredentials: () => [...credentials.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => ({ ...r })),
    addToken: (t) => void tokens.set(t.tokenHash, { ...t }),
    consumeToken(hash, now) {
      const t = tokens.get(hash);
      if (!t) return undefined;
      tokens.delete(hash);
      return t.expiresAt > now ? t : undefined;
    },
    countTokens: () => tokens.size,
    pruneTokens(now) {
      let n = 0;
      for (const [h, t] of tokens)
        if (t.expiresAt <= now) {
          tokens.delete(h);
          n++;
        }
      return n;
    },
    close: () => {},
  };
}
