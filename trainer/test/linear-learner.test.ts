import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { linearLearner } from '../src/models/linear.ts';
import { matrix } from '../src/models/learner.ts';
import { mulberry32 } from '../src/random.ts';

describe('linear learner', () => {
  it('recovers y = 3·x1 − 2·x2 + 5 with a tiny alpha', async () => {
    const rng = mulberry32(3);
    const n = 100;
    const data = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      data[2 * i] = rng() * 4 - 2;
      data[2 * i + 1] = rng() * 50;
      y[i] = 3 * data[2 * i]! - 2 * data[2 * i + 1]! + 5;
    }
    const m = await linearLearner.fit(matrix(data, 2), y, { alpha: 1e-10 }, { task: 'regression', seed: 0 });
    const json = m.toJSON() as { weights: number[]; intercept: number };
    expect(json.weights[0]).toBeCloseTo(3, 8);
    expect(json.weights[1]).toBeCloseTo(-2, 8);
    expect(json.intercept).toBeCloseTo(5, 7);
    expect(m.kind).toBe('linear');
    expect(m.predict(matrix(Float64Array.from([1, 1, 0, 0]), 2))[1]).toBeCloseTo(5, 7);
  });

  it('uses alpha = 1 by default and rejects a negative alpha', async () => {
    // One centred column with Σx² = 4: w = Σxy / (Σx² + α) = 4 / 5.
    const x = matrix(Float64Array.from([-1, 1, -1, 1]), 1);
    const y = Float64Array.from([9, 11, 9, 11]);
    expect(linearLearner.defaults.alpha).toBe(1);
    const m = await linearLearner.fit(x, y, {}, { task: 'regression', seed: 0 });
    const json = m.toJSON() as { weights: number[]; intercept: number };
    expect(json.weights).toHaveLength(1);
    expect(json.weights[0]).toBeCloseTo(0.8, 14);
    expect(json.intercept).toBeCloseTo(10, 14);
    await expect(linearLearner.fit(x, y, { alpha: -1 }, { task: 'regression', seed: 0 })).rejects.toMatchObject({
      code: TrainerErrorCodes.MODEL_PARAM_INVALID,
    });
  });
});
