import { join } from 'node:path';
import { createMemoryRetrainStore } from '../../src/retrain/memory-retrain-store.ts';
import { openSqliteRetrainStore } from '../../src/retrain/sqlite-retrain-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { retrainStoreContract } from './retrain-store-contract.ts';

retrainStoreContract('memory', () => ({ open: () => createMemoryRetrainStore() }));

retrainStoreContract(
  'sqlite, in fleet.db beside the fleet store',
  () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'fleet.db');
    openSqliteStore(file).close();
    return {
      open: () => openSqliteRetrainStore(file),
      reopen: () => openSqliteRetrainStore(file),
      cleanup: tmp.remove,
    };
  },
  { persistent: true },
);
