import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, sha256Hex } from '@outpost/protocol';
import { createMemoryStore } from '../src/store/memory-store.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { FleetStore } from '../src/store/fleet-store.ts';
import { tempDir } from './fixtures.ts';

/**
 * Dead letters are evidence, not an archive: a stored letter keeps a bounded prefix of its
 * payload plus the payload's size and sha256, and the table keeps the newest `maxRows`, counting
 * what it dropped. Run against both stores.
 */
const temps: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) t.remove();
});

type Opts = { deadLetters?: { maxRows?: number; prefixBytes?: number } };
const impls: [string, (opts?: Opts) => FleetStore][] = [
  ['memory', (opts) => createMemoryStore(opts)],
  [
    'sqlite',
    (opts) => {
      const t = tempDir();
      temps.push(t);
      return openSqliteStore(join(t.dir, 'fleet.db'), opts);
    },
  ],
];

const letter = (payload: Buffer, i = 0) => ({
  topic: `outpost/v1/devices/d${i}/telemetry`,
  payload,
  code: ErrorCodes.PAYLOAD_TOO_LARGE,
  reason: 'too large',
  receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
});

for (const [name, open] of impls) {
  describe(`fleet dead letters are bounded (${name})`, () => {
    it('keeps a 4 KiB prefix of a large payload by default, with its size and sha256', () => {
      const store = open();
      const big = randomBytes(1024 * 1024);
      store.addDeadLetter(letter(big));
      const [got] = store.deadLetters();
      expect(got?.payload.byteLength).toBe(4096);
      expect(got?.payload.equals(big.subarray(0, 4096))).toBe(true);
      expect(got?.payloadBytes).toBe(big.byteLength);
      expect(got?.payloadSha256).toBe(sha256Hex(big));
      store.close();
    });

    it('keeps the newest maxRows letters and counts the dropped ones', () => {
      const store = open({ deadLetters: { maxRows: 3, prefixBytes: 8 } });
      for (let i = 0; i < 5; i++) store.addDeadLetter(letter(Buffer.from(`payload-${i}-and-more`), i));
      expect(store.countDeadLetters()).toBe(3);
      expect(store.countDeadLettersDropped()).toBe(2);
      const kept = store.deadLetters();
      expect(kept.map((l) => l.topic)).toEqual([2, 3, 4].map((i) => `outpost/v1/devices/d${i}/telemetry`));
      expect(kept[0]?.payload.toString()).toBe('payload-');
      expect(kept[0]?.payloadBytes).toBe('payload-2-and-more'.length);
      store.close();
    });
  });
}

describe('fleet sqlite dead letters across versions', () => {
  it('keeps the dropped count across a reopen and reads letters stored before the bound existed', () => {
    const t = tempDir();
    temps.push(t);
    const file = join(t.dir, 'fleet.db');
    // A fleet.db written before dead letters were bounded: the old table, one full payload.
    const old = new Database(file);
    old.exec(`CREATE TABLE dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL,
      code TEXT NOT NULL, reason TEXT NOT NULL, received_at TEXT NOT NULL)`);
    old
      .prepare('INSERT INTO dead_letters (topic, payload, code, reason, received_at) VALUES (?, ?, ?, ?, ?)')
      .run('t/old', Buffer.from('old payload'), 'C', 'r', '2025-01-01T00:00:00.000Z');
    old.close();

    const store = openSqliteStore(file, { deadLetters: { maxRows: 2 } });
    expect(store.deadLetters()[0]).toMatchObject({
      topic: 't/old',
      payloadBytes: 'old payload'.length,
      payloadSha256: sha256Hex('old payload'),
    });
    store.addDeadLetter(letter(Buffer.from('a'), 1));
    store.addDeadLetter(letter(Buffer.from('b'), 2));
    expect(store.countDeadLettersDropped()).toBe(1);
    store.close();
    const again = openSqliteStore(file, { deadLetters: { maxRows: 2 } });
    expect(again.countDeadLettersDropped()).toBe(1);
    expect(again.countDeadLetters()).toBe(2);
    again.close();
  });
});
