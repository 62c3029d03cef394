import type { RetrainRun } from './retrain-run.ts';
import type { RetrainRunStore } from './retrain-store.ts';

/** Retraining runs in memory (tests, throwaway fleets); copies in and out, like the SQLite store. */
export function createMemoryRetrainStore(): RetrainRunStore {
  const runs = new Map<string, { seq: number; body: string }>();
  let seq = 0;
  const parse = (body: string): RetrainRun => JSON.parse(body) as RetrainRun;
  return {
    put(run) {
      const had = runs.get(run.id);
      runs.set(run.id, { seq: had?.seq ?? ++seq, body: JSON.stringify(run) });
    },
    get: (id) => {
      const r = runs.get(id);
      return r ? parse(r.body) : undefined;
    },
    list(query = {}) {
      const all = [...runs.values()]
        .map((r) => ({ seq: r.seq, run: parse(r.body) }))
        .filter((r) => query.model === undefined || r.run.model === query.model)
        .sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt) || b.seq - a.seq)
        .map((r) => r.run);
      return query.limit === undefined ? all : all.slice(0, query.limit);
    },
    close() {},
  };
}
