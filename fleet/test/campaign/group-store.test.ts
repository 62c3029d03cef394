import { join } from 'node:path';
import { createMemoryGroupStore } from '../../src/groups/memory-group-store.ts';
import { openSqliteGroupStore } from '../../src/groups/sqlite-group-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { groupStoreContract } from './group-store-contract.ts';

groupStoreContract('memory', () => ({ open: () => createMemoryGroupStore() }));

groupStoreContract('sqlite, in fleet.db beside the fleet store', () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'fleet.db');
  // The fleet store owns the file; the group store adds its tables to it.
  openSqliteStore(file).close();
  return { open: () => openSqliteGroupStore(file), reopen: () => openSqliteGroupStore(file), cleanup: tmp.remove };
});
