import { describe, expect, it } from 'vitest';
import type { FittedModel, Matrix } from '../src/models/learner.ts';
import { averagePredictions, AveragingModel } from '../src/learners/averaging/model.ts';

/** A member predicting fixed values; its saved form is a constant (only the ensemble's own form is checked). */
const fixed = (id: number, values: number[]): FittedModel => ({
  kind: 'mean',
  predict: () => Float64Array.from(values),
  toJSON: () => ({ kind: 'mean', value: id }),
});
const x: Matrix = { data: new Float64Array(3), rows: 3, cols: 1 };

describe('AveragingModel', () => {
  it('averages member predictions with normalised weights (known answer)', () => {
    const e = new AveragingModel([
      { model: fixed(1, [0, 10, 4]), weight: 1 },
      { model: fixed(2, [4, 20, 8]), weight: 3 },
    ]);
    expect(Array.from(e.predict(x))).toEqual([3, 17.5, 7]);
    expect(e.kind).toBe('averaging');
    expect(e.toJSON()).toEqual({
      kind: 'averaging',
      members: [
        { weight: 0.25, model: { kind: 'mean', value: 1 } },
        { weight: 0.75, model: { kind: 'mean', value: 2 } },
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
    const e = new AveragingModel([
      { model: fixed(1, [2]), weight: 0 },
      { model: fixed(2, [4]), weight: 0 },
    ]);
    expect(Array.from(e.predict({ data: new Float64Array(1), rows: 1, cols: 1 }))).toEqual([3]);
  });
});
