import { ApiErrorCodes, fleetError } from '../errors.ts';
import { parseRole } from './roles.ts';
import { newTokenId, newTokenSecret, tokenHash } from './token-secret.ts';
import type { OperatorToken, OperatorTokenStore } from './token-store.ts';

/** Operator tokens in memory (tests, throwaway fleets); same behaviour as the SQLite store. */
export function createMemoryTokenStore(): OperatorTokenStore {
  const byHash = new Map<string, OperatorToken>();
  const copy = (t: OperatorToken): OperatorToken => ({ ...t });
  const find = (id: string): OperatorToken | undefined => [...byHash.values()].find((t) => t.id === id);
  return {
    create({ name, role, at }) {
      const token = newTokenSecret();
      const record: OperatorToken = { id: newTokenId(), name, role: parseRole(role), createdAt: at };
      byHash.set(tokenHash(token), record);
      return { token, record: copy(record) };
    },
    verify(token) {
      const t = byHash.get(tokenHash(token));
      return t && t.revokedAt === undefined ? copy(t) : undefined;
    },
    list: () => [...byHash.values()].map(copy),
    revoke(id, at) {
      const t = find(id);
      if (!t) throw fleetError(ApiErrorCodes.TOKEN_NOT_FOUND, `no operator token ${id}`, { id });
      t.revokedAt ??= at;
      return copy(t);
    },
    close() {},
  };
}
