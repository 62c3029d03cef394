import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, sha256Hex } from '@outpost/protocol';
import { openSqliteStore, type GatewayStore } from '../src/index.ts';
import { createMemoryStore } from '../src/store/memory-store.ts';

/**
 * Dead letters are evidence, not an archive: a stored letter keeps a bounded prefix of its
 * payload plus the payload's size and sha256, and the table keeps the newest `maxRows`, counting
 * what it dropped. Run against both stores.
 */
const dirs: string[] = [];
const freshDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'outpost-dl-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Opts = { deadLetters?: { maxRows?: number; prefixBytes?: number } };
const impls: [string, (opts?: Opts) => GatewayStore][] = [
  ['memory', (opts) => createMemoryStore(opts)],
  ['sqlite', (opts) => openSqliteStore(freshDir(), opts)],
];

const letter = (payload: Buffer, i = 0) => ({
  topic: `outpost/v1/devices/d${i}/telemetry`,
  payload,
  code: ErrorCodes.PAYLOAD_TOO_LARGE,
  reason: 'too large',
  at: i,
});

for (const [name, open] of impls) {
  describe(`gateway dead letters are bounded (${name})`, () => {
    it('keeps a 4 KiB prefix of a large payload by default, with its size and sha256', () => {
      const store = open();
      const big = randomBytes(1024 * 1024);
      store.addDeadLetter(letter(big));
      const [got] = store.listDeadLetters();
      expect(got?.payload.byteLength).toBe(4096);
      expect(got?.payload.equals(big.subarray(0, 4096))).toBe(true);
      expect(got?.payloadBytes).toBe(big.byteLength);
      expect(got?.payloadSha256).toBe(sha256Hex(big));
      store.close();
    });

    it('keeps the newest maxRows letters and counts the dropped ones', () => {
      const store = open({ deadLetters: { maxRows: 3, prefixBytes: 8 } });
      for (let i = 0; i < 5; i++) store.addDeadLetter(letter(Buffer.from(`payload-${i}-and-more`), i));
      expect(store.deadLetterCount()).toBe(3);
      expect(store.deadLettersDropped()).toBe(2);
      const kept = store.listDeadLetters();
      expect(kept.map((l) => l.at)).toEqual([4, 3, 2]);
      expect(kept[2]?.payload.toString()).toBe('payload-');
      expect(kept[2]?.payloadBytes).toBe('payload-2-and-more'.length);
      store.close();
    });
  });
}

describe('gateway sqlite dead letters across versions', () => {
  it('keeps the dropped count across a reopen and reads letters stored before the bound existed', () => {
    const dir = freshDir();
    const old = new Database(join(dir, 'gateway.db'));
    old.exec(`CREATE TABLE dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL,
      code TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL)`);
    old
      .prepare('INSERT INTO dead_letters (topic, payload, code, reason, at) VALUES (?, ?, ?, ?, ?)')
      .run('t/old', Buffer.from('old payload'), 'C', 'r', 0);
    old.close();

    const store = openSqliteStore(dir, { deadLetters: { maxRows: 2 } });
    expect(store.listDeadLetters()[0]).toMatchObject({
      topic: 't/old',
      payloadBytes: 'old payload'.length,
      payloadSha256: sha256Hex('old payload'),
    });
    store.addDeadLetter(letter(Buffer.from('a'), 1));
    store.addDeadLetter(letter(Buffer.from('b'), 2));
    expect(store.deadLettersDropped()).toBe(1);
    store.close();
    const again = openSqliteStore(dir, { deadLetters: { maxRows: 2 } });
    expect(again.deadLettersDropped()).toBe(1);
    expect(again.deadLetterCount()).toBe(2);
    again.close();
  });
});
