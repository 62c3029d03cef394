import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RetrainRun } from '../../src/retrain/retrain-run.ts';
import type { RetrainRunStore } from '../../src/retrain/retrain-store.ts';

export interface RetrainStoreFactory {
  open(): RetrainRunStore;
  reopen?(): RetrainRunStore;
  cleanup?(): void;
}

export function retrainRun(id: string, model: string, startedAt: string): RetrainRun {
  return {
    id,
    model,
    championVersion: 1,
    spec: '/specs/problem.yaml',
    freshFile: '/data/fresh.csv',
    trigger: { kind: 'alert', alertId: 'al-1', metric: 'performance' },
    startedAt,
    outcome: 'running',
  };
}

/** One contract for every RetrainRunStore (memory and SQLite); a factory with `reopen` also proves persistence. */
export function retrainStoreContract(
  name: string,
  factory: () => RetrainStoreFactory,
  o: { persistent?: boolean } = {},
): void {
  describe(`RetrainRunStore contract: ${name}`, () => {
    let f: RetrainStoreFactory;
    let store: RetrainRunStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('stores a run and replaces it by id when it ends', () => {
      const run = retrainRun('rt-1', 'housing', '2026-03-01T00:00:00.000Z');
      store.put(run);
      expect(store.get('rt-1')).toEqual(run);
      const done: RetrainRun = {
        ...run,
        outcome: 'promoted',
        finishedAt: '2026-03-01T00:05:00.000Z',
        metric: 'rmse',
        champion: { value: 80_000, loss: 80_000 },
        challenger: { value: 60_000, loss: 60_000 },
        margin: 0.02,
        improvement: 0.25,
        registeredVersion: 2,
      };
      store.put(done);
      expect(store.get('rt-1')).toEqual(done);
      expect(store.list()).toEqual([done]);
      expect(store.get('rt-2')).toBeUndefined();
    });

    it('lists newest first, by model, with a limit', () => {
      store.put(retrainRun('a', 'housing', '2026-03-01T00:00:00.000Z'));
      store.put(retrainRun('b', 'occupancy', '2026-03-02T00:00:00.000Z'));
      store.put(retrainRun('c', 'housing', '2026-03-03T00:00:00.000Z'));
      store.put(retrainRun('d', 'housing', '2026-03-03T00:00:00.000Z'));
      expect(store.list().map((r) => r.id)).toEqual(['d', 'c', 'b', 'a']);
      expect(store.list({ model: 'housing' }).map((r) => r.id)).toEqual(['d', 'c', 'a']);
      expect(store.list({ model: 'housing', limit: 2 }).map((r) => r.id)).toEqual(['d', 'c']);
      expect(store.list({ model: 'shipping' })).toEqual([]);
    });

    if (o.persistent)
      it('keeps runs across a reopen', () => {
        const run = { ...retrainRun('rt-9', 'housing', '2026-03-01T00:00:00.000Z'), outcome: 'rejected' as const };
        store.put(run);
        store.close();
        store = (f.reopen as () => RetrainRunStore)();
        expect(store.get('rt-9')).toEqual(run);
      });
  });
}
