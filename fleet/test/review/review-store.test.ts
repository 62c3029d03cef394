import { join } from 'node:path';
import { createMemoryReviewStore } from '../../src/review/memory-review-store.ts';
import { openSqliteReviewStore } from '../../src/review/sqlite-review-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { reviewStoreContract } from './review-store-contract.ts';

reviewStoreContract('memory', () => ({ open: (bounds) => createMemoryReviewStore(bounds) }), false);

reviewStoreContract(
  'sqlite (in fleet.db, beside the fleet store)',
  () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'fleet.db');
    // The fleet store's tables are there too: the review queue adds its own, it replaces none.
    openSqliteStore(file).close();
    return {
      open: (bounds) => openSqliteReviewStore(file, bounds),
      reopen: () => openSqliteReviewStore(file),
      cleanup: () => tmp.remove(),
    };
  },
  true,
);
