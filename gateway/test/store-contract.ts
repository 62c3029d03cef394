import { describe, expect, it } from 'vitest';
import type { DesiredState, ReportedState } from '@outpost/protocol';
import type { GatewayStore } from '../src/index.ts';
import { ErrorCodes } from '@outpost/protocol';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function reported(source: string, revision = -1): ReportedState {
  return { source, kind: 'device', revision, at: '2026-01-01T00:00:00.000Z', status: 'idle', models: [] };
}

/**
 * The GatewayStore contract, run against every implementation (docs/ARCHITECTURE.md
 * "Composition and tests"). `open` returns a fresh, empty store; the suite closes what it opens.
 */
export function gatewayStoreContract(name: string, open: () => GatewayStore): void {
  describe(`GatewayStore contract: ${name}`, () => {
    const withStore = (fn: (s: GatewayStore) => void) => () => {
      const s = open();
      try {
        fn(s);
      } finally {
        s.close();
      }
    };

    it(
      'indexes cached artifacts',
      withStore((s) => {
        expect(s.getArtifact(A)).toBeUndefined();
        s.putArtifact({ artifactId: B, name: 'm', version: 2, fetchedAt: 20 });
        s.putArtifact({ artifactId: A, name: 'm', version: 1, fetchedAt: 10 });
        expect(s.getArtifact(A)).toEqual({ artifactId: A, name: 'm', version: 1, fetchedAt: 10 });
        expect(s.listArtifacts().map((a) => a.artifactId)).toEqual([A, B]);
        s.putArtifact({ artifactId: A, name: 'm', version: 1, fetchedAt: 30 });
        expect(s.listArtifacts().map((a) => a.artifactId)).toEqual([B, A]);
        s.deleteArtifact(B);
        expect(s.listArtifacts().map((a) => a.artifactId)).toEqual([A]);
      }),
    );

    it(
      'knows devices and tells when one is new',
      withStore((s) => {
        expect(s.upsertDevice('dev2', 5, reported('dev2'))).toBe(true);
        expect(s.upsertDevice('dev1', 6, null)).toBe(true);
        expect(s.upsertDevice('dev2', 7, reported('dev2', 3))).toBe(false);
        expect(s.listDevices().map((d) => d.id)).toEqual(['dev1', 'dev2']);
        expect(s.getDevice('dev2')).toEqual({ id: 'dev2', lastSeen: 7, reported: reported('dev2', 3) });
        expect(s.getDevice('dev1')?.reported).toBeNull();
        expect(s.getDevice('nope')).toBeUndefined();
      }),
    );

    it(
      'keeps the last desired state',
      withStore((s) => {
        expect(s.getDesired()).toBeUndefined();
        const d1: DesiredState = { target: 'gw1', revision: 1, issuedAt: '2026-01-01T00:00:00.000Z', models: [] };
        const d2: DesiredState = {
          ...d1,
          revision: 2,
          models: [{ name: 'm', version: 1, artifactId: A, devices: ['dev1'] }],
        };
        s.setDesired(d1);
        s.setDesired(d2);
        expect(s.getDesired()).toEqual(d2);
      }),
    );

    it(
      'queues outbox entries in order, pages them and removes acknowledged ones',
      withStore((s) => {
        expect(s.outboxDepth()).toBe(0);
        const binary = Buffer.from([0, 255, 1, 254]);
        const ids = [
          s.enqueue('t/1', binary, false, 1),
          s.enqueue('t/2', Buffer.from('two'), true, 2),
          s.enqueue('t/3', Buffer.from('3'), false, 3),
        ];
        expect(ids[0]).toBeLessThan(ids[1] as number);
        expect(ids[1]).toBeLessThan(ids[2] as number);
        expect(s.outboxDepth()).toBe(3);
        const all = s.peekOutbox();
        expect(all.map((e) => e.topic)).toEqual(['t/1', 't/2', 't/3']);
        expect(Buffer.compare(all[0]?.payload as Buffer, binary)).toBe(0);
        expect(all[1]).toMatchObject({ retain: true, enqueuedAt: 2 });
        expect(s.peekOutbox(1).map((e) => e.id)).toEqual([ids[0]]);
        expect(s.peekOutbox(10, ids[0]).map((e) => e.id)).toEqual([ids[1], ids[2]]);
        s.ack(ids[1] as number);
        s.ack(9999);
        expect(s.peekOutbox().map((e) => e.id)).toEqual([ids[0], ids[2]]);
        expect(s.outboxDepth()).toBe(2);
        // Ids keep increasing after removals (AUTOINCREMENT): order is never reused.
        const later = s.enqueue('t/4', Buffer.from('4'), false, 4);
        expect(later).toBeGreaterThan(ids[2] as number);
      }),
    );

    it(
      'queues a device window once per (device, seq), remembering seqs after their entry is gone',
      withStore((s) => {
        const q = (device: string, seq: number): boolean =>
          s.enqueueBatch([
            {
              kind: 'telemetry',
              device,
              seq,
              topic: `t/${device}`,
              payload: Buffer.from(`${device}:${seq}`),
              enqueuedAt: seq,
            },
          ])[0] !== false;
        expect([q('d1', 1), q('d1', 2), q('d1', 1), q('d1', 5), q('d1', 5), q('d2', 1)]).toEqual([
          true,
          true,
          false,
          true,
          false,
          true,
        ]);
        for (const e of s.peekOutbox()) s.ack(e.id);
        // Receipted upstream and deleted: a late duplicate is still known, gaps are still open.
        expect([q('d1', 2), q('d1', 5), q('d1', 3), q('d1', 4), q('d1', 3), q('d1', 6)]).toEqual([
          false,
          false,
          true,
          true,
          false,
          true,
        ]);
        expect(s.outboxDepth()).toBe(3);
        expect(s.peekOutbox().map((e) => e.payload.toString())).toEqual(['d1:3', 'd1:4', 'd1:6']);
      }),
    );

    it(
      'queues a label or review item once per key, remembering keys after their entry is gone',
      withStore((s) => {
        const q = (key: string): boolean =>
          s.enqueueBatch([{ kind: 'once', key, topic: `t/${key}`, payload: Buffer.from(key), enqueuedAt: 1 }])[0] !==
          false;
        expect([q('a'), q('b'), q('a')]).toEqual([true, true, false]);
        for (const e of s.peekOutbox()) s.ack(e.id);
        expect([q('a'), q('b'), q('c')]).toEqual([false, false, true]);
        expect(s.peekOutbox().map((e) => [e.payload.toString(), e.retain])).toEqual([['c', false]]);
      }),
    );

    it(
      'queues a batch in order with the dedup of each kind, and deletes several entries in one call',
      withStore((s) => {
        const at = 7;
        const tele = (device: string, seq: number) =>
          ({
            kind: 'telemetry',
            device,
            seq,
            topic: `t/${device}`,
            payload: Buffer.from(`${device}:${seq}`),
            enqueuedAt: at,
          }) as const;
        const once = (key: string) =>
          ({ kind: 'once', key, topic: `t/${key}`, payload: Buffer.from(key), enqueuedAt: at }) as const;
        const plain = { kind: 'plain', topic: 't/r', payload: Buffer.from('r'), retain: true, enqueuedAt: at } as const;
        expect(s.enqueueBatch([])).toEqual([]);
        const outcomes = s.enqueueBatch([
          tele('d1', 1),
          tele('d1', 1),
          once('k'),
          once('k'),
          plain,
          tele('d2', 1),
          tele('d1', 2),
        ]);
        expect(outcomes.map((o) => o !== false)).toEqual([true, false, true, false, true, true, true]);
        // The dedup state outlives the batch: a later batch sees the same keys.
        expect(
          s.enqueueBatch([
            { ...tele('d1', 2), payload: Buffer.from('x') },
            { ...once('k'), payload: Buffer.from('x') },
          ]),
        ).toEqual([false, false]);
        const entries = s.peekOutbox();
        expect(entries.map((e) => [e.payload.toString(), e.retain, e.enqueuedAt])).toEqual([
          ['d1:1', false, at],
          ['k', false, at],
          ['r', true, at],
          ['d2:1', false, at],
          ['d1:2', false, at],
        ]);
        const ids = entries.map((e) => e.id);
        // Each new entry's outcome is its outbox id.
        expect(outcomes.filter((o) => o !== false)).toEqual(ids);
        expect(s.ackMany([])).toBe(0);
        expect(s.ackMany([ids[0] as number, ids[2] as number, ids[4] as number, 99_999])).toBe(3);
        expect(s.peekOutbox().map((e) => e.payload.toString())).toEqual(['k', 'd2:1']);
        expect(s.outboxDepth()).toBe(2);
      }),
    );

    it(
      'keeps dead letters with their raw bytes, newest first',
      withStore((s) => {
        expect(s.deadLetterCount()).toBe(0);
        s.addDeadLetter({
          topic: 'x',
          payload: Buffer.from('not json'),
          code: ErrorCodes.NOT_JSON,
          reason: 'r1',
          at: 1,
        });
        s.addDeadLetter({
          topic: 'y',
          payload: Buffer.from([1, 2]),
          code: ErrorCodes.TOPIC_MISMATCH,
          reason: 'r2',
          at: 2,
        });
        expect(s.deadLetterCount()).toBe(2);
        const list = s.listDeadLetters();
        expect(list.map((l) => l.code)).toEqual([ErrorCodes.TOPIC_MISMATCH, ErrorCodes.NOT_JSON]);
        expect(list[1]?.payload.toString()).toBe('not json');
        expect(s.listDeadLetters(1)).toHaveLength(1);
      }),
    );
  });
}
