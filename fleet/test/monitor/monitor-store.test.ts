import { join } from 'node:path';
import { createMemoryMonitorStore } from '../../src/monitor/memory-monitor-store.ts';
import { openSqliteMonitorStore } from '../../src/monitor/sqlite-monitor-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../fixtures.ts';
import { monitorStoreContract } from './monitor-store-contract.ts';

monitorStoreContract('memory', () => ({ open: () => createMemoryMonitorStore() }));

monitorStoreContract('sqlite (in fleet.db, beside the fleet store)', () => {
  const tmp = tempDir();
  const file = join(tmp.dir, 'fleet.db');
  // The fleet store's tables are there too: monitoring adds its own, it does not replace any.
  openSqliteStore(file).close();
  return {
    open: () => openSqliteMonitorStore(file),
    reopen: () => openSqliteMonitorStore(file),
    cleanup: () => tmp.remove(),
  };
});
