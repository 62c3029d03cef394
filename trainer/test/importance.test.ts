import { describe, expect, it } from 'vitest';
import { permutationImportance } from '../src/eval/importance.ts';
import { metricByName } from '../src/eval/metrics.ts';
import { matrix, type FittedModel, type Matrix } from '../src/models/learner.ts';
import { linearLearner } from '../src/models/linear.ts';
import { logisticLearner } from '../src/models/logistic.ts';
import { mulberry32 } from '../src/random.ts';

/** Columns: [strong, noise, weak]; y = 5·strong + 1·weak + small noise. */
function data(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(seed);
  const d = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) d[i * 3 + j] = rng() * 2 - 1;
    y[i] = 5 * d[i * 3]! + d[i * 3 + 2]! + (rng() - 0.5) * 0.1;
  }
  return { x: matrix(d, 3), y };
}

describe('permutationImportance', () => {
  it('ranks informative features above noise (regression, RMSE)', async () => {
    const train = data(300, 1);
    const val = data(200, 2);
    const model = await linearLearner.fit(train.x, train.y, { alpha: 1e-6 }, { task: 'regression', seed: 0 });
    const imp = permutationImportance(model, val.x, val.y, 'rmse', {
      seed: 4,
      columnNames: ['strong', 'noise', 'weak'],
    });
    expect(imp.map((f) => f.feature)).toEqual(['strong', 'weak', 'noise']);
    expect(imp[0]!.mean).toBeGreaterThan(3);
    expect(imp[2]!.mean).toBeLessThan(0.01);
    expect(Math.abs(imp[2]!.mean)).toBeLessThan(imp[1]!.mean / 10);
    for (const f of imp) expect(f.std).toBeGreaterThanOrEqual(0);
  });

  it('uses the metric direction (accuracy: a drop is positive) and is seeded', async () => {
    const { x, y } = data(300, 3);
    const labels = y.map((v) => (v > 0 ? 1 : 0));
    const model = await logisticLearner.fit(x, labels, {}, { task: 'binary', seed: 0 });
    const a = permutationImportance(model, x, labels, metricByName('accuracy'), { seed: 1, repeats: 3 });
    expect(a[0]).toMatchObject({ feature: 'x0', index: 0 });
    expect(a[0]!.mean).toBeGreaterThan(0.2);
    expect(permutationImportance(model, x, labels, 'accuracy', { seed: 1, repeats: 3 })).toEqual(a);
  });

  it('leaves the input matrix untouched and gives zero to a column the model ignores', () => {
    const x = matrix(Float64Array.from([1, 9, 2, 8, 3, 7, 4, 6]), 2);
    const before = Float64Array.from(x.data);
    const firstColumn: FittedModel = {
      kind: 'mean',
      predict: (m) => Float64Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols]!),
      toJSON: () => ({ kind: 'mean', value: 0 }),
    };
    const imp = permutationImportance(firstColumn, x, Float64Array.from([1, 2, 3, 4]), 'mae', { seed: 2 });
    expect(imp[1]).toEqual({ feature: 'x1', index: 1, mean: 0, std: 0 });
    expect(imp[0]!.mean).toBeGreaterThan(0);
    expect(x.data).toEqual(before);
  });
});
