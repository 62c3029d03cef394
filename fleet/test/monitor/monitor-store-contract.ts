import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert, MonitorStore } from '../../src/monitor/monitor-store.ts';

export interface MonitorStoreFactory {
  open(): MonitorStore;
  /** Opens the same store again after close (persistent stores only). */
  reopen?(): MonitorStore;
  cleanup?(): void;
}

const predicted = (version: number, at: string, value = 1) => ({
  value,
  model: 'occupancy',
  version,
  at,
  confidence: 0.8,
});

function alert(id: string, key: string, state: Alert['state'], since: string): Alert {
  return {
    id,
    key,
    metric: 'drift.psi',
    scope: 'model',
    model: 'occupancy',
    version: 1,
    severity: 'warning',
    state,
    summary: 'co2 PSI 0.4 ≥ 0.25',
    value: 0.4,
    threshold: 0.25,
    since,
    updatedAt: since,
  };
}

/** The MonitorStore contract, run against every implementation (one contract suite per interface). */
export function monitorStoreContract(label: string, factory: () => MonitorStoreFactory): void {
  describe(`MonitorStore contract: ${label}`, () => {
    let f: MonitorStoreFactory;
    let store: MonitorStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('joins a label to its prediction whichever arrives first, and the latest label wins', () => {
      // imported first: waiting for its prediction
      const pending = store.putLabel({
        predictionId: 'p1',
        source: 'import',
        label: 1,
        labelledAt: '2025-03-02T00:00:00.000Z',
      });
      expect(pending.prediction).toBeUndefined();
      expect(store.countUnjoined()).toBe(1);
      expect(store.joinedLabels({ model: 'occupancy' })).toEqual([]);
      // the device forwards its own label with what it predicted: joined, the newer label replaces the import's
      const joined = store.putLabel({
        predictionId: 'p1',
        source: 'device',
        device: 'd1',
        label: 0,
        labelledAt: '2025-03-03T00:00:00.000Z',
        prediction: predicted(1, '2025-03-01T00:05:00.000Z'),
      });
      expect(joined).toEqual({
        predictionId: 'p1',
        source: 'device',
        device: 'd1',
        label: 0,
        labelledAt: '2025-03-03T00:00:00.000Z',
        prediction: predicted(1, '2025-03-01T00:05:00.000Z'),
      });
      expect(store.countUnjoined()).toBe(0);
      // a later CSV correction keeps the prediction and device
      store.putLabel({ predictionId: 'p1', source: 'import', label: 1, labelledAt: '2025-03-04T00:00:00.000Z' });
      expect(store.getLabel('p1')).toMatchObject({
        label: 1,
        source: 'import',
        device: 'd1',
        prediction: { version: 1 },
      });
      expect(store.getLabel('nope')).toBeUndefined();
    });

    it('keeps string and number labels as given, and filters joined labels by version, device and prediction time', () => {
      store.putLabel({
        predictionId: 'a',
        source: 'device',
        device: 'd1',
        label: 'yes',
        prediction: predicted(1, '2025-03-01T01:00:00.000Z'),
      });
      store.putLabel({
        predictionId: 'b',
        source: 'device',
        device: 'd2',
        label: 2.5,
        prediction: predicted(1, '2025-03-01T00:00:00.000Z'),
      });
      store.putLabel({
        predictionId: 'c',
        source: 'device',
        device: 'd1',
        label: 0,
        prediction: predicted(2, '2025-03-01T02:00:00.000Z'),
      });
      store.putLabel({
        predictionId: 'd',
        source: 'device',
        device: 'd1',
        prediction: predicted(1, '2025-03-01T02:00:00.000Z'),
      });
      const ids = (q: Parameters<MonitorStore['joinedLabels']>[0]) => store.joinedLabels(q).map((l) => l.predictionId);
      expect(ids({ model: 'occupancy' })).toEqual(['b', 'a', 'c']);
      expect(ids({ model: 'occupancy', version: 1 })).toEqual(['b', 'a']);
      expect(ids({ model: 'occupancy', device: 'd1' })).toEqual(['a', 'c']);
      expect(ids({ model: 'occupancy', since: '2025-03-01T01:00:00.000Z', until: '2025-03-01T02:00:00.000Z' })).toEqual(
        ['a'],
      );
      expect(ids({ model: 'other' })).toEqual([]);
      expect(store.getLabel('a')?.label).toBe('yes');
      expect(store.getLabel('b')?.label).toBe(2.5);
      expect(store.countUnjoined()).toBe(1); // d: predicted, no label yet
    });

    it('stores alerts, finds the open one of a key, and lists by state and model, newest first', () => {
      store.putAlert(alert('a1', 'k1', 'resolved', '2025-03-01T00:00:00.000Z'));
      store.putAlert(alert('a2', 'k1', 'firing', '2025-03-01T05:00:00.000Z'));
      store.putAlert({ ...alert('a3', 'k2', 'acknowledged', '2025-03-01T03:00:00.000Z'), acknowledgedBy: 'ops' });
      expect(store.openAlert('k1')?.id).toBe('a2');
      expect(store.openAlert('k3')).toBeUndefined();
      expect(store.alerts().map((a) => a.id)).toEqual(['a2', 'a3', 'a1']);
      expect(store.alerts({ state: ['firing', 'acknowledged'] }).map((a) => a.id)).toEqual(['a2', 'a3']);
      expect(store.alerts({ model: 'housing' })).toEqual([]);
      store.putAlert({
        ...alert('a2', 'k1', 'resolved', '2025-03-01T05:00:00.000Z'),
        resolvedAt: '2025-03-01T06:00:00.000Z',
      });
      expect(store.openAlert('k1')).toBeUndefined();
      expect(store.getAlert('a2')?.resolvedAt).toBe('2025-03-01T06:00:00.000Z');
      expect(store.getAlert('a3')?.acknowledgedBy).toBe('ops');
    });

    if (factory().reopen) {
      it('keeps labels and alerts across a reopen', () => {
        store.putLabel({ predictionId: 'p', source: 'import', label: 1 });
        store.putAlert(alert('a', 'k', 'firing', '2025-03-01T00:00:00.000Z'));
        store.close();
        store = f.reopen?.() as MonitorStore;
        expect(store.getLabel('p')?.label).toBe(1);
        expect(store.openAlert('k')?.id).toBe('a');
      });
    }
  });
}
