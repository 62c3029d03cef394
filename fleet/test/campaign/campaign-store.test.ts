import { join } from 'node:path';
import { createMemoryCampaignStore } from '../../src/campaign/memory-campaign-store.ts';
import { openSqliteCampaignStore } from '../../src/campaign/sqlite-campaign-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { campaignStoreContract } from './campaign-store-contract.ts';

campaignStoreContract('memory', () => ({ open: () => createMemoryCampaignStore() }));

campaignStoreContract('sqlite, in fleet.db beside the fleet store', () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'fleet.db');
  openSqliteStore(file).close();
  return {
    open: () => openSqliteCampaignStore(file),
    reopen: () => openSqliteCampaignStore(file),
    cleanup: tmp.remove,
  };
});
