import { join } from 'node:path';
import { memoryHealthReader } from '../../src/inventory/health.ts';
import { healthReaderFor, sqliteHealthReader } from '../../src/inventory/sqlite-health-reader.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { openFleetDb } from '../../src/store/fleet-db.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures.ts';
import { healthReaderContract } from './health-contract.ts';

healthReaderContract('memory (every window)', () => {
  const store = createMemoryStore();
  return { store, reader: memoryHealthReader(store) };
});

healthReaderContract('sqlite (bounded query on fleet.db)', () => {
  const tmp = tempDir();
  const db = openFleetDb(join(tmp.dir, 'fleet.db'));
  const store = openSqliteStore(db);
  return {
    store,
    reader: sqliteHealthReader(db),
    cleanup: () => {
      db.close();
      tmp.remove();
    },
  };
});

describe('healthReaderFor', () => {
  it('gives one reader per fleet.db, made once', () => {
    const tmp = tempDir();
    const db = openFleetDb(join(tmp.dir, 'fleet.db'));
    const other = openFleetDb(join(tmp.dir, 'other.db'));
    try {
      openSqliteStore(db);
      openSqliteStore(other);
      expect(healthReaderFor(db)).toBe(healthReaderFor(db));
      expect(healthReaderFor(other)).not.toBe(healthReaderFor(db));
    } finally {
      other.close();
      db.close();
      tmp.remove();
    }
  });
});
