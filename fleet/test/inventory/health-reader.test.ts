import { join } from 'node:path';
import { memoryHealthReader } from '../../src/inventory/health.ts';
import { healthReaderFor, sqliteHealthReader } from '../../src/inventory/sqlite-health-reader.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { openSqliteStore, sqliteDatabaseOf } from '../../src/store/sqlite-store.ts';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures.ts';
import { healthReaderContract } from './health-contract.ts';

healthReaderContract('memory (every window)', () => {
  const store = createMemoryStore();
  return { store, reader: memoryHealthReader(store) };
});

healthReaderContract('sqlite (bounded query on fleet.db)', () => {
  const tmp = tempDir();
  const store = openSqliteStore(join(tmp.dir, 'fleet.db'));
  const db = sqliteDatabaseOf(store);
  if (!db) throw new Error('no database behind the SQLite store');
  return { store, reader: sqliteHealthReader(db), cleanup: tmp.remove };
});

describe('healthReaderFor', () => {
  it('finds fleet.db behind a SQLite store, also through a wrapper that spreads it, and not behind others', () => {
    const tmp = tempDir();
    const store = openSqliteStore(join(tmp.dir, 'fleet.db'));
    try {
      expect(sqliteDatabaseOf({ ...store })).toBe(sqliteDatabaseOf(store));
      expect(sqliteDatabaseOf(store)).toBeDefined();
      expect(healthReaderFor({ ...store })).toBe(healthReaderFor(store));
      expect(sqliteDatabaseOf(createMemoryStore())).toBeUndefined();
    } finally {
      store.close();
      tmp.remove();
    }
  });
});
