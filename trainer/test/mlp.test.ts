import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { matrix, type Matrix } from '../src/models/learner.ts';
import { mlpLearner, type MlpFitted } from '../src/models/mlp/mlp.ts';
import type { MlpSaved } from '../src/model/saved.ts';
import { mulberry32 } from '../src/random.ts';
import { rmse } from '../src/stats.ts';

function sine(n: number, noise: number, seed: number, lo = -3, hi = 3): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = lo + ((hi - lo) * i) / (n - 1);
    y[i] = Math.sin(x[i]!) + noise * (rng() - 0.5);
  }
  return { x: matrix(x, 1), y };
}

function xor(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(seed);
  const x = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng() < 0.5 ? 0 : 1;
    const b = rng() < 0.5 ? 0 : 1;
    x[2 * i] = a + (rng() - 0.5) * 0.4;
    x[2 * i + 1] = b + (rng() - 0.5) * 0.4;
    y[i] = a ^ b;
  }
  return { x: matrix(x, 2), y };
}

describe('mlp', () => {
  it('fits y = sin(x) on [-3, 3] to RMSE < 0.1', async () => {
    const { x, y } = sine(500, 0, 1);
    const m = await mlpLearner.fit(
      x,
      y,
      { hidden_layer_sizes: [32, 32], batch_size: 32, max_iter: 300 },
      { task: 'regression', seed: 1 },
    );
    expect(rmse(m.predict(x), y)).toBeLessThan(0.1);
    // The target is standardised internally and undone at predict; the JSON carries the scaling.
    const json = m.toJSON() as MlpSaved;
    expect(json.yMean).toBeCloseTo(0, 12); // sin is odd on a symmetric grid
    expect(json.yStd).toBeGreaterThan(0.5);
    expect(json.layers.map((l) => [l.weights.length, l.bias.length, l.activation])).toEqual([
      [32, 32, 'relu'],
      [32 * 32, 32, 'relu'],
      [32, 1, 'identity'],
    ]);
  });

  it('separates XOR (binary, sigmoid output) and multiclass XOR cells (softmax)', async () => {
    const { x, y } = xor(400, 5);
    const m = await mlpLearner.fit(
      x,
      y,
      { hidden_layer_sizes: [16], learning_rate_init: 0.01, batch_size: 32 },
      { task: 'binary', seed: 2 },
    );
    const p = m.predict(x);
    let correct = 0;
    for (let i = 0; i < x.rows; i++) if ((p[i]! >= 0.5 ? 1 : 0) === y[i]) correct++;
    expect(correct / x.rows).toBe(1);
    expect((m.toJSON() as MlpSaved).layers.at(-1)?.activation).toBe('sigmoid');

    // Four classes, one per XOR cell.
    const cells = new Float64Array(x.rows);
    for (let i = 0; i < x.rows; i++) cells[i] = (x.data[2 * i]! > 0.5 ? 1 : 0) * 2 + (x.data[2 * i + 1]! > 0.5 ? 1 : 0);
    const mc = await mlpLearner.fit(
      x,
      cells,
      { hidden_layer_sizes: [16], learning_rate_init: 0.01, batch_size: 32 },
      { task: 'multiclass', seed: 2 },
    );
    const q = mc.predict(x);
    expect(q.length).toBe(x.rows * 4);
    let right = 0;
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      for (let c = 1; c < 4; c++) if (q[i * 4 + c]! > q[i * 4 + best]!) best = c;
      if (best === cells[i]) right++;
      expect(q[i * 4]! + q[i * 4 + 1]! + q[i * 4 + 2]! + q[i * 4 + 3]!).toBeCloseTo(1, 12);
    }
    expect(right / x.rows).toBeGreaterThan(0.99);
  });

  it('stops early on validation loss and restores the best weights', async () => {
    // Few noisy training rows and a big, fast-learning network: validation loss bottoms out, then rises.
    const train = sine(40, 1.0, 3);
    const val = sine(200, 1.0, 4, -2.97, 2.97);
    const maxIter = 2000;
    const m = (await mlpLearner.fit(
      train.x,
      train.y,
      { hidden_layer_sizes: [64, 64], learning_rate_init: 0.01, batch_size: 8, max_iter: maxIter, alpha: 0 },
      { task: 'regression', seed: 7, validation: val },
    )) as MlpFitted;
    const h = m.history;
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs).toBeLessThan(maxIter);
    expect(h.validationLoss.length).toBe(h.epochs);
    const bestLoss = Math.min(...h.validationLoss);
    expect(h.bestEpoch).toBe(h.validationLoss.indexOf(bestLoss) + 1);
    expect(h.bestEpoch).toBeLessThan(h.epochs);
    // The returned network is the best epoch's: its validation loss (½·MSE in standardised units) is the minimum.
    const json = m.toJSON() as MlpSaved;
    const p = m.predict(val.x);
    let s = 0;
    for (let i = 0; i < val.y.length; i++) s += 0.5 * ((p[i]! - val.y[i]!) / json.yStd!) ** 2;
    expect(s / val.y.length).toBeCloseTo(bestLoss, 10);
    expect(h.validationLoss[h.epochs - 1]).toBeGreaterThan(bestLoss);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const { x, y } = xor(100, 8);
    const fit = (seed: number): Promise<MlpFitted> =>
      mlpLearner.fit(
        x,
        y,
        { hidden_layer_sizes: [8, 8], max_iter: 20 },
        { task: 'binary', seed },
      ) as Promise<MlpFitted>;
    const [a, b, c] = await Promise.all([fit(11), fit(11), fit(12)]);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(JSON.stringify(a.toJSON())).not.toBe(JSON.stringify(c.toJSON()));
  });

  it('rejects bad parameters with coded errors', async () => {
    const { x, y } = xor(20, 1);
    const ctx = { task: 'binary', seed: 1 } as const;
    await expect(mlpLearner.fit(x, y, { hidden_layer_sizes: [0] }, ctx)).rejects.toMatchObject({
      code: TrainerErrorCodes.MODEL_PARAM_INVALID,
    });
    await expect(mlpLearner.fit(x, y, { batch_size: 1.5 }, ctx)).rejects.toMatchObject({
      code: TrainerErrorCodes.MODEL_PARAM_INVALID,
    });
    await expect(
      mlpLearner.fit(
        x,
        y.map((v) => v + 2),
        {},
        ctx,
      ),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.MODEL_LABELS_INVALID });
  });
});
