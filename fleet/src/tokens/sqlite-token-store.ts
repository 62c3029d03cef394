import { useFleetDb, type FleetDb } from '../store/fleet-db.ts';
import { ApiErrorCodes, fleetError } from '../errors.ts';
import { parseRole } from './roles.ts';
import { newTokenId, newTokenSecret, tokenHash } from './token-secret.ts';
import type { OperatorToken, OperatorTokenStore } from './token-store.ts';

/** The token table, created in fleet.db next to the fleet store's own tables. */
export const TOKEN_SCHEMA = `
CREATE TABLE IF NOT EXISTS operator_tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
`;

interface TokenRow {
  id: string;
  name: string;
  role: string;
  created_at: string;
  revoked_at: string | null;
}

const record = (r: TokenRow): OperatorToken => ({
  id: r.id,
  name: r.name,
  role: parseRole(r.role),
  createdAt: r.created_at,
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
});

/**
 * Operator tokens in a SQLite file (the fleet's `fleet.db`; the running fleet and `outpost token`
 * open it side by side, WAL). Takes a path, or an open database it then does not close.
 */
export function openSqliteTokenStore(target: string | FleetDb): OperatorTokenStore {
  const { db, close } = useFleetDb(target);
  db.exec(TOKEN_SCHEMA);
  const cols = 'id, name, role, created_at, revoked_at';
  const st = {
    insert: db.prepare('INSERT INTO operator_tokens (id, hash, name, role, created_at) VALUES (?, ?, ?, ?, ?)'),
    byHash: db.prepare<[string], TokenRow>(`SELECT ${cols} FROM operator_tokens WHERE hash = ? AND revoked_at IS NULL`),
    byId: db.prepare<[string], TokenRow>(`SELECT ${cols} FROM operator_tokens WHERE id = ?`),
    list: db.prepare<[], TokenRow>(`SELECT ${cols} FROM operator_tokens ORDER BY created_at, rowid`),
    revoke: db.prepare('UPDATE operator_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?'),
  };
  return {
    create({ name, role, at }) {
      const token = newTokenSecret();
      const id = newTokenId();
      st.insert.run(id, tokenHash(token), name, parseRole(role), at);
      return { token, record: { id, name, role, createdAt: at } };
    },
    verify(token) {
      const row = st.byHash.get(tokenHash(token));
      return row ? record(row) : undefined;
    },
    list: () => st.list.all().map(record),
    revoke(id, at) {
      if (st.revoke.run(at, id).changes === 0)
        throw fleetError(ApiErrorCodes.TOKEN_NOT_FOUND, `no operator token ${id}`, { id });
      return record(st.byId.get(id) as TokenRow);
    },
    close,
  };
}
