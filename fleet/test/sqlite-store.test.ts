import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { tempDir } from './fixtures.ts';
import { storeContract } from './store-contract.ts';

storeContract(
  'sqlite',
  () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'fleet.db');
    return { open: () => openSqliteStore(file), reopen: () => openSqliteStore(file), cleanup: tmp.remove };
  },
  { persistent: true },
);

describe('sqlite store', () => {
  it('opens the file in WAL mode with the schema in place', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'sub', 'fleet.db');
    const store = openSqliteStore(file);
    store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((r) => r.name);
      expect(tables).toEqual(
        expect.arrayContaining(['artifacts', 'dead_letters', 'desired', 'labels', 'reported', 'telemetry']),
      );
    } finally {
      db.close();
      tmp.remove();
    }
  });
});
