/**
 * The telemetry gates on stored windows (a memory store): the error rate is the share of the rows
 * asked for that failed — a device's window counts served rows in `rows` and failed ones in
 * `errors` — so a version failing every row is judged, not taken for "no telemetry".
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATES, type Campaign } from '../../src/campaign/campaign.ts';
import { telemetryGates } from '../../src/campaign/gates.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { fixtureWindow } from '../fixtures.ts';

function campaign(): Campaign {
  return {
    id: 'housing-v2-1',
    model: 'housing',
    version: 2,
    artifactId: 'a'.repeat(64),
    target: { kind: 'fleet' },
    steps: [{ all: true }],
    gates: { ...DEFAULT_GATES, errorRateMax: 0.05 },
    onFail: 'pause',
    seed: 's',
    state: 'soaking',
    current: 0,
    waves: [
      {
        index: 0,
        state: 'soaking',
        devices: [
          { device: 'd1', gateway: 'gw1', previous: null },
          { device: 'd2', gateway: 'gw1', previous: null },
        ],
      },
    ],
    skipped: [],
    createdBy: 'test',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    rev: 0,
  };
}

describe('telemetry gates', () => {
  it('judges a version that failed every row asked for: error rate 1, not "no telemetry"', () => {
    const store = createMemoryStore();
    for (const d of ['d1', 'd2']) {
      const w = fixtureWindow(d, 1, { version: 2, x: [0, 0, 0, 0], pred: [0, 0] });
      w.errors = 40;
      store.insertTelemetry(w, '2026-01-01T00:00:00.000Z');
    }
    const c = campaign();
    expect(telemetryGates(store, c, c.waves[0] as Campaign['waves'][number])).toEqual([
      { gate: 'error-rate', passed: false, value: 1, limit: 0.05 },
    ]);
  });

  it('counts served and failed rows together: 10 failed of 100 asked is 10%', () => {
    const store = createMemoryStore();
    const ok = fixtureWindow('d1', 1, { version: 2, x: [20, 20, 20, 30] });
    ok.errors = 10;
    store.insertTelemetry(ok, '2026-01-01T00:00:00.000Z');
    const c = campaign();
    const [gate] = telemetryGates(store, c, c.waves[0] as Campaign['waves'][number]);
    expect(gate).toMatchObject({ gate: 'error-rate', passed: false, limit: 0.05 });
    expect(gate?.value).toBeCloseTo(0.1, 12);
  });

  it('still fails a wave that sent nothing at all as "no telemetry"', () => {
    const c = campaign();
    expect(telemetryGates(createMemoryStore(), c, c.waves[0] as Campaign['waves'][number])).toEqual([
      { gate: 'error-rate', passed: false, value: null, limit: 0.05, note: 'no telemetry' },
    ]);
  });
});
