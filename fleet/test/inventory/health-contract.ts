import { LATENCY_BOUNDS_MS, type ReportedState, type TelemetryWindow } from '@outpost/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HEALTH_WINDOWS, healthOf, memoryHealthReader, type HealthReader } from '../../src/inventory/health.ts';
import { listDevices } from '../../src/inventory/inventory.ts';
import type { FleetStore } from '../../src/store/fleet-store.ts';
import { fixtureWindow } from '../fixtures.ts';

export interface HealthSubject {
  store: FleetStore;
  reader: HealthReader;
  cleanup?: () => void;
}

/** A window of `model` with its own rows, errors and latency spread, so each window's figures differ. */
function window(device: string, seq: number, model: string): TelemetryWindow {
  const w = fixtureWindow(device, seq, { model, x: [seq % 5, 3, 2, seq % 7] });
  w.errors = seq % 4 === 0 ? seq % 3 : 0;
  const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  counts[seq % counts.length] = w.rows;
  counts[(seq * 7) % counts.length] = (counts[(seq * 7) % counts.length] ?? 0) + 1;
  w.latency = { counts, maxMs: 1 };
  return w;
}

/**
 * One suite for every health reader: its figures for (device, model) equal `healthOf` over every
 * window of that pair in seq order — the computation the inventory made before it had readers.
 */
export function healthReaderContract(name: string, open: () => HealthSubject): void {
  describe(`health reader contract: ${name}`, () => {
    let s: HealthSubject;
    beforeEach(() => {
      s = open();
    });
    afterEach(() => {
      s.store.close();
      s.cleanup?.();
    });

    it('takes the latest windows by seq of the model asked, whatever order they arrived in', () => {
      const seqs = Array.from({ length: 47 }, (_, i) => i + 1).sort((a, b) => ((a * 37) % 47) - ((b * 37) % 47));
      const all: TelemetryWindow[] = [];
      for (const seq of seqs) {
        // The same device also runs another model on some of its seqs.
        const w = window('dev-a', seq, seq % 5 === 0 ? 'other' : 'housing');
        all.push(w);
        s.store.insertTelemetry(w, '2026-01-01T00:00:00.000Z');
      }
      for (let seq = 1; seq <= 3; seq++)
        s.store.insertTelemetry(window('dev-b', seq, 'housing'), '2026-01-01T00:00:00Z');
      const expected = (device: string, model: string) =>
        healthOf(all.filter((w) => w.device === device && w.model === model).sort((a, b) => a.seq - b.seq));
      const got = s.reader.health('dev-a', 'housing');
      expect(got).toEqual(expected('dev-a', 'housing'));
      expect(got.windows).toBe(HEALTH_WINDOWS);
      expect(got.errorRate).toBeGreaterThan(0);
      expect(s.reader.health('dev-a', 'other')).toEqual(expected('dev-a', 'other'));
      expect(s.reader.health('dev-b', 'housing')).toMatchObject({ windows: 3 });
      expect(s.reader.health('dev-b', 'housing')).toEqual(memoryHealthReader(s.store).health('dev-b', 'housing'));
    });

    it('gives empty figures for a device without windows, and null rates for windows without rows', () => {
      expect(s.reader.health('ghost', 'housing')).toEqual({
        windows: 0,
        rows: 0,
        latencyP50Ms: null,
        latencyP95Ms: null,
        errorRate: null,
      });
      const w = fixtureWindow('dev-c', 1, { x: [0, 0, 0, 0] });
      s.store.insertTelemetry(w, '2026-01-01T00:00:00.000Z');
      expect(s.reader.health('dev-c', 'housing')).toEqual(healthOf([w]));
      expect(s.reader.health('dev-c', 'housing').errorRate).toBeNull();
    });

    it('gives the share of the rows asked for that failed: a device failing every row has error rate 1', () => {
      const failing = fixtureWindow('dev-d', 1, { x: [0, 0, 0, 0] });
      failing.errors = 30;
      const mixed = fixtureWindow('dev-d', 2, { x: [10, 10, 10, 0] });
      mixed.errors = 10;
      s.store.insertTelemetry(failing, '2026-01-01T00:00:00.000Z');
      expect(s.reader.health('dev-d', 'housing').errorRate).toBe(1);
      s.store.insertTelemetry(mixed, '2026-01-01T00:00:00.000Z');
      expect(s.reader.health('dev-d', 'housing')).toMatchObject({ rows: 30, errorRate: 40 / 70 });
    });

    it('makes `listDevices` give the same entries as reading every window', () => {
      const now = Date.parse('2026-01-01T00:01:00.000Z');
      for (const [i, d] of ['d1', 'd2', 'd3'].entries()) {
        s.store.putReported(
          {
            source: d,
            kind: 'device',
            gateway: 'gw1',
            revision: 1,
            at: '2026-01-01T00:00:00.000Z',
            status: 'converged',
            models: i === 2 ? [] : [{ name: 'housing', version: 1, artifactId: 'a'.repeat(64), state: 'active' }],
          } satisfies ReportedState,
          '2026-01-01T00:00:30.000Z',
        );
        for (let seq = 1; seq <= 30; seq++)
          s.store.insertTelemetry(window(d, seq + i, 'housing'), '2026-01-01T00:00:00Z');
      }
      const fast = listDevices(s.store, now, 180_000, s.reader);
      expect(fast).toEqual(listDevices(s.store, now, 180_000, memoryHealthReader(s.store)));
      expect(fast.map((d) => d.health.windows)).toEqual([20, 20, 0]);
    });
  });
}
