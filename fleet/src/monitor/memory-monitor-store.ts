import {
  matchesAlert,
  matchesLabel,
  mergeLabel,
  type Alert,
  type JoinedLabel,
  type MonitorStore,
} from './monitor-store.ts';

/** The monitor store in memory (tests, embedding); the same contract as the SQLite one. */
export function createMemoryMonitorStore(): MonitorStore {
  const labels = new Map<string, JoinedLabel>();
  const alerts = new Map<string, Alert>();
  const copy = <T>(x: T): T => structuredClone(x);
  return {
    putLabel(input) {
      const merged = mergeLabel(labels.get(input.predictionId), input);
      labels.set(input.predictionId, merged);
      return copy(merged);
    },
    getLabel: (id) => {
      const l = labels.get(id);
      return l ? copy(l) : undefined;
    },
    joinedLabels: (q) =>
      [...labels.values()]
        .filter((l) => matchesLabel(l, q))
        .sort(
          (a, b) =>
            (a.prediction?.at ?? '').localeCompare(b.prediction?.at ?? '') ||
            a.predictionId.localeCompare(b.predictionId),
        )
        .map(copy),
    countUnjoined: () => [...labels.values()].filter((l) => !l.prediction || l.label === undefined).length,
    putAlert: (a) => void alerts.set(a.id, copy(a)),
    getAlert: (id) => {
      const a = alerts.get(id);
      return a ? copy(a) : undefined;
    },
    openAlert: (key) => {
      const a = [...alerts.values()].find((x) => x.key === key && x.state !== 'resolved');
      return a ? copy(a) : undefined;
    },
    alerts: (q) =>
      [...alerts.values()]
        .filter((a) => matchesAlert(a, q))
        .sort((a, b) => b.since.localeCompare(a.since) || a.id.localeCompare(b.id))
        .map(copy),
    close: () => undefined,
  };
}
