import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryTokenStore } from '../../src/tokens/memory-token-store.ts';
import { openSqliteTokenStore } from '../../src/tokens/sqlite-token-store.ts';
import { tempDir } from '../fixtures.ts';
import { tokenStoreContract } from './token-store-contract.ts';

tokenStoreContract('memory', () => ({ open: () => createMemoryTokenStore() }));

tokenStoreContract(
  'sqlite',
  () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'fleet.db');
    return {
      open: () => openSqliteTokenStore(file),
      reopen: () => openSqliteTokenStore(file),
      rawText: () =>
        readdirSync(tmp.dir)
          .map((f) => readFileSync(join(tmp.dir, f)).toString('latin1'))
          .join('\n'),
      cleanup: tmp.remove,
    };
  },
  { persistent: true },
);
