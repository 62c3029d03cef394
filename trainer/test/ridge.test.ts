import { describe, expect, it } from 'vitest';
import { choleskySolve } from '../src/models/linalg.ts';
import { fitRidge, predictLinear } from '../src/models/ridge.ts';
import { mulberry32 } from '../src/random.ts';
import { TrainerErrorCodes } from '../src/errors.ts';

describe('ridge regression', () => {
  it('recovers y = 3·x1 − 2·x2 + 5 exactly', () => {
    const rng = mulberry32(7);
    const n = 200;
    const x = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x1 = rng() * 10 - 5;
      const x2 = rng() * 100;
      x[i * 2] = x1;
      x[i * 2 + 1] = x2;
      y[i] = 3 * x1 - 2 * x2 + 5;
    }
    const model = fitRidge(x, y, 2, 0);
    expect(model.weights[0]).toBeCloseTo(3, 9);
    expect(model.weights[1]).toBeCloseTo(-2, 9);
    expect(model.intercept).toBeCloseTo(5, 8);
    const pred = predictLinear(model, Float64Array.from([1, 1]), 2);
    expect(pred[0]).toBeCloseTo(6, 8);
  });

  it('shrinks weights but not the intercept', () => {
    const x = Float64Array.from([-1, 1, -1, 1]);
    const y = Float64Array.from([100 - 1, 100 + 1, 100 - 1, 100 + 1]);
    const model = fitRidge(x, y, 1, 4);
    expect(model.weights[0]).toBeCloseTo(0.5, 12); // 4 / (4 + 4)
    expect(model.intercept).toBeCloseTo(100, 12);
  });

  it('solves SPD systems and rejects singular ones', () => {
    const a = Float64Array.from([4, 2, 2, 3]);
    const x = choleskySolve(a, Float64Array.from([2, 1]), 2);
    expect(Array.from(x).map((v) => Number(v.toFixed(12)))).toEqual([0.5, 0]);
    expect(() => choleskySolve(Float64Array.from([1, 1, 1, 1]), Float64Array.from([1, 1]), 2)).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.MODEL_SINGULAR }),
    );
  });
});
