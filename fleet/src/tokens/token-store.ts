import type { Role } from './roles.ts';

/**
 * The operator tokens the fleet's API accepts (docs/OPERATIONS.md "Dashboard and API"): the
 * contract, apart from its implementations (`openSqliteTokenStore`, in fleet.db, and
 * `createMemoryTokenStore`; both pass fleet/test/http/token-store-contract.ts). Only a token's sha256
 * is stored: `create` returns the token once, and nothing can show it again.
 */
export interface OperatorToken {
  /** Public id (12 hex digits): what `list` shows and `revoke` takes. */
  id: string;
  /** Who holds it; the API writes it into the audit log as the actor. */
  name: string;
  role: Role;
  createdAt: string;
  /** Set once revoked; a revoked token is refused. */
  revokedAt?: string;
}

export interface CreatedToken {
  /** The bearer token: shown once. */
  token: string;
  record: OperatorToken;
}

export interface OperatorTokenStore {
  /** Makes a new token with `role`, named `name`, created at `at` (ISO). */
  create(input: { name: string; role: Role; at: string }): CreatedToken;
  /** The live (not revoked) token this bearer string is, or undefined. Compares hashes only. */
  verify(token: string): OperatorToken | undefined;
  /** Every token, oldest first, revoked ones included; never a secret or a hash. */
  list(): OperatorToken[];
  /**
   * Revokes the token with this id at `at` (the first revocation time is kept); throws
   * OUTPOST_ERR_TOKEN_NOT_FOUND for an unknown id.
   */
  revoke(id: string, at: string): OperatorToken;
  close(): void;
}
