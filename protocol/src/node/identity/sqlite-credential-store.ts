import type { CredentialRecord, CredentialStore, EnrollTokenRecord } from './credential-store.ts';

/**
 * The part of a better-sqlite3 `Database` the credential store uses. The tier opens the database
 * (protocol does not depend on a SQLite driver) and hands it over; the store owns it from then on.
 */
export interface SqliteDatabase {
  exec(sql: string): unknown;
  pragma(sql: string): unknown;
  prepare(sql: string): {
    run(...params: unknown[]): { changes: number };
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  };
  close(): unknown;
}

/** The file, in a tier's data dir, that holds the credentials of the nodes it serves. */
export const CREDENTIALS_DB_FILE = 'credentials.db';

interface CredentialRow {
  id: string;
  secret_hash: string;
  mosquitto_hash: string;
  issued_at: number;
}

interface TokenRow {
  token_hash: string;
  node_id: string;
  expires_at: number;
}

const toRecord = (r: CredentialRow): CredentialRecord => ({
  id: r.id,
  secretHash: r.secret_hash,
  mosquittoHash: r.mosquitto_hash,
  issuedAt: r.issued_at,
});

/**
 * Credentials in SQLite (tables `credentials` and `enroll_tokens`). WAL and a busy timeout, so the
 * running tier and an operator's CLI command (`enroll-token create`, `revoke`) share the file.
 */
export function openSqliteCredentialStore(db: SqliteDatabase): CredentialStore {
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS credentials (
      id TEXT PRIMARY KEY,
      secret_hash TEXT NOT NULL,
      mosquitto_hash TEXT NOT NULL,
      issued_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS enroll_tokens (
      token_hash TEXT PRIMARY KEY,
      node_id TEXT NOT NULL,
      expires_at INTEGER NOT NULL
    );
  `);
  const put = db.prepare(
    `INSERT INTO credentials (id, secret_hash, mosquitto_hash, issued_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET secret_hash = excluded.secret_hash,
       mosquitto_hash = excluded.mosquitto_hash, issued_at = excluded.issued_at`,
  );
  const get = db.prepare('SELECT * FROM credentials WHERE id = ?');
  const remove = db.prepare('DELETE FROM credentials WHERE id = ?');
  const list = db.prepare('SELECT * FROM credentials ORDER BY id');
  const addToken = db.prepare('INSERT INTO enroll_tokens (token_hash, node_id, expires_at) VALUES (?, ?, ?)');
  // One statement: two enrolments racing for the same token cannot both get it.
  const consume = db.prepare('DELETE FROM enroll_tokens WHERE token_hash = ? RETURNING *');
  const countTokens = db.prepare('SELECT COUNT(*) AS n FROM enroll_tokens');
  const prune = db.prepare('DELETE FROM enroll_tokens WHERE expires_at <= ?');
  return {
    putCredential: (r) => void put.run(r.id, r.secretHash, r.mosquittoHash, r.issuedAt),
    getCredential: (id) => {
      const row = get.get(id) as CredentialRow | undefined;
      return row ? toRecord(row) : undefined;
    },
    removeCredential: (id) => remove.run(id).changes > 0,
    listCredentials: () => (list.all() as CredentialRow[]).map(toRecord),
    addToken: (t: EnrollTokenRecord) => void addToken.run(t.tokenHash, t.nodeId, t.expiresAt),
    consumeToken(hash, now) {
      const row = consume.get(hash) as TokenRow | undefined;
      if (!row || row.expires_at <= now) return undefined;
      return { tokenHash: row.token_hash, nodeId: row.node_id, expiresAt: row.expires_at };
    },
    countTokens: () => (countTokens.get() as { n: number }).n,
    pruneTokens: (now) => prune.run(now).changes,
    close: () => void db.close(),
  };
}
