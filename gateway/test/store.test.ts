import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/store/memory-store.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { gatewayStoreContract } from './store-contract.ts';

const dirs: string[] = [];
const freshDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'outpost-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

gatewayStoreContract('memory', createMemoryStore);
gatewayStoreContract('sqlite', () => openSqliteStore(freshDir()));

describe('SQLite gateway store', () => {
  it('keeps the outbox, devices and desired state across a reopen', () => {
    const dir = freshDir();
    const a = openSqliteStore(dir);
    a.enqueue('t', Buffer.from('x'), false, 1);
    a.upsertDevice('dev1', 1, null);
    a.setDesired({ target: 'gw1', revision: 4, issuedAt: '2026-01-01T00:00:00.000Z', models: [] });
    a.close();
    const b = openSqliteStore(dir);
    try {
      expect(b.outboxDepth()).toBe(1);
      expect(b.listDevices().map((d) => d.id)).toEqual(['dev1']);
      expect(b.getDesired()?.revision).toBe(4);
      expect(b.upsertDevice('dev1', 2, null)).toBe(false);
    } finally {
      b.close();
    }
  });
});
