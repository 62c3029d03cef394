/**
 * A shadow candidate's comparison over a window: agreement for a classifier, the distribution of
 * candidate − active for a regressor, the candidate's latency, and failed rows counted apart.
 */
import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS_MS, ShadowStats, validate } from '@outpost/protocol';
import { ShadowWindowAccumulator } from '../src/telemetry/shadow-window.ts';

const ref = { name: 'm', version: 2, artifactId: 'a'.repeat(64) };

describe('ShadowWindowAccumulator', () => {
  it('reports the share of rows where a classifier candidate agrees', () => {
    const acc = new ShadowWindowAccumulator({ ...ref, classification: true });
    const active = [0, 1, 1, 0, 1];
    const candidate = [0, 1, 0, 0, 0];
    active.forEach((a, i) => acc.add(a, candidate[i] as number, 0.3));
    acc.add(1, NaN, 0.3); // a row the candidate could not score
    const s = validate(ShadowStats, acc.toStats(), 'shadow');
    expect(s).toMatchObject({ rows: 5, errors: 1, agreement: 3 / 5 });
    expect(s.difference).toBeUndefined();
    // 0.3 ms falls in the (0.25, 0.5] bucket
    expect(s.latency.counts[LATENCY_BOUNDS_MS.indexOf(0.5)]).toBe(5);
    expect(s.latency.maxMs).toBeCloseTo(0.3, 12);
  });

  it('reports the distribution of candidate − active for a regressor', () => {
    const acc = new ShadowWindowAccumulator({ ...ref, classification: false });
    const diffs = [-4, 1, 2, 3, 8, 0, 0, 1, -1, 10];
    diffs.forEach((d, i) => acc.add(100 + i, 100 + i + d, 5));
    const s = validate(ShadowStats, acc.toStats(), 'shadow');
    const abs = diffs.map(Math.abs).sort((a, b) => a - b);
    expect(s.agreement).toBeUndefined();
    expect(s.difference).toEqual({
      mean: diffs.reduce((t, d) => t + d, 0) / diffs.length,
      meanAbs: abs.reduce((t, d) => t + d, 0) / abs.length,
      p50Abs: abs[5],
      p90Abs: abs[9],
      maxAbs: 10,
    });
  });

  it('has no agreement or difference before a row is scored', () => {
    const s = new ShadowWindowAccumulator({ ...ref, classification: true }).toStats();
    expect(s.rows).toBe(0);
    expect(s.agreement).toBeUndefined();
  });
});
