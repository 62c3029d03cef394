import { describe, expect, it } from 'vitest';
import type { FittedModel, Matrix } from '../src/models/learner.ts';
import { averagePredictions, EnsembleModel } from '../src/run/ensemble.ts';

const fixed = (kind: string, values: number[]): FittedModel => ({
  kind,
  predict: () => Float64Array.from(values),
  toJSON: () => ({ values }),
});
const x: Matrix = { data: new Float64Array(3), rows: 3, cols: 1 };

describe('EnsembleModel', () => {
  it('averages member predictions with normalised weights (known answer)', () => {
    const e = new EnsembleModel([
      { model: fixed('a', [0, 10, 4]), weight: 1 },
      { model: fixed('b', [4, 20, 8]), weight: 3 },
    ]);
    expect(Array.from(e.predict(x))).toEqual([3, 17.5, 7]);
    expect(e.kind).toBe('ensemble');
    expect(e.toJSON()).toEqual({
      method: 'average',
      members: [
        { kind: 'a', weight: 0.25, model: { values: [0, 10, 4] } },
        { kind: 'b', weight: 0.75, model: { values: [4, 20, 8] } },
      ],
    });
  });

  it('averages class-probability rows element-wise', () => {
    expect(
      Array.from(
        averagePredictions([Float64Array.from([1, 0, 0.5, 0.5]), Float64Array.from([0, 1, 0.5, 0.5])], [0.5, 0.5]),
      ),
    ).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('falls back to equal weights when all weights are 0', () => {
    const e = new EnsembleModel([
      { model: fixed('a', [2]), weight: 0 },
      { model: fixed('b', [4]), weight: 0 },
    ]);
    expect(Array.from(e.predict({ data: new Float64Array(1), rows: 1, cols: 1 }))).toEqual([3]);
  });
});
