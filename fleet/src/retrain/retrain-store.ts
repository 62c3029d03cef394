import type { RetrainRun } from './retrain-run.ts';

export interface RetrainRunQuery {
  model?: string;
  /** Newest first; at most this many (default all). */
  limit?: number;
}

/**
 * Where retraining runs are kept (docs/MONITORING.md "Retraining"). Implementations:
 * `openSqliteRetrainStore` (fleet.db, a table of its own) and `createMemoryRetrainStore` (tests);
 * both pass fleet/test/retrain/retrain-store-contract.ts.
 */
export interface RetrainRunStore {
  /** Inserts a run, or replaces the stored run with the same id (a run is written when it starts and when it ends). */
  put(run: RetrainRun): void;
  get(id: string): RetrainRun | undefined;
  /** Newest first (by start time, then insertion). */
  list(query?: RetrainRunQuery): RetrainRun[];
  close(): void;
}
