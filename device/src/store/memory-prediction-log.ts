import {
  DEFAULT_LOG_BOUNDS,
  type LabelOutcome,
  type LoggedPrediction,
  type PredictionLog,
  type PredictionLogBounds,
} from './prediction-log.ts';

/** The prediction log in memory (tests, a device without storage); same contract as the SQLite one. */
export function createMemoryPredictionLog(bounds: PredictionLogBounds = {}): PredictionLog {
  const { maxRows, maxAgeMs } = { ...DEFAULT_LOG_BOUNDS, ...bounds };
  /** Insertion order is time order: a Map iterates oldest first. */
  const rows = new Map<string, LoggedPrediction>();
  const copy = (p: LoggedPrediction): LoggedPrediction => structuredClone(p);
  return {
    append(entries) {
      for (const e of entries) if (!rows.has(e.id)) rows.set(e.id, copy(e));
    },
    get(id) {
      const p = rows.get(id);
      return p && copy(p);
    },
    label(id, label, at): LabelOutcome {
      const p = rows.get(id);
      if (!p) return 'unknown';
      if (p.label !== undefined) return p.label === label ? 'unchanged' : 'conflict';
      p.label = label;
      p.labelledAt = at;
      p.labelForwarded = false;
      return 'labelled';
    },
    reviewQueue(limit) {
      return [...rows.values()]
        .filter((p) => p.review && p.label === undefined)
        .reverse()
        .slice(0, limit)
        .map(copy);
    },
    unforwardedLabels(limit) {
      return [...rows.values()]
        .filter((p) => p.label !== undefined && !p.labelForwarded)
        .slice(0, limit)
        .map(copy);
    },
    markLabelsForwarded(ids) {
      for (const id of ids) {
        const p = rows.get(id);
        if (p) p.labelForwarded = true;
      }
    },
    unforwardedReviews(limit) {
      return [...rows.values()]
        .filter((p) => p.review && !p.reviewForwarded && p.label === undefined)
        .slice(0, limit)
        .map(copy);
    },
    markReviewsForwarded(ids) {
      for (const id of ids) {
        const p = rows.get(id);
        if (p) p.reviewForwarded = true;
      }
    },
    prune(now) {
      let dropped = 0;
      for (const [id, p] of rows) {
        if (p.at >= now - maxAgeMs && rows.size <= maxRows) break;
        rows.delete(id);
        dropped++;
      }
      return dropped;
    },
    count: () => rows.size,
    close() {},
  };
}
