import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryPredictionLog } from '../src/store/memory-prediction-log.ts';
import { openSqlitePredictionLog } from '../src/store/sqlite-prediction-log.ts';
import { definePredictionLogContract, entry } from './prediction-log-contract.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'outpost-plog-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

definePredictionLogContract('memory', (bounds) => createMemoryPredictionLog(bounds));
definePredictionLogContract('SQLite', (bounds) => openSqlitePredictionLog(path.join(root, `log-${n++}.db`), bounds));

describe('the SQLite prediction log', () => {
  it('keeps predictions and labels across a reopen', () => {
    const file = path.join(root, 'reopen.db');
    const a = openSqlitePredictionLog(file);
    a.append([entry(1), entry(2)]);
    a.label('p-2', 1, 123);
    a.close();
    const b = openSqlitePredictionLog(file);
    expect(b.count()).toBe(2);
    expect(b.get('p-2')).toMatchObject({ label: 1, labelledAt: 123, labelForwarded: false });
    b.close();
  });
});
