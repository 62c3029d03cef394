import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { lbfgs } from '../src/models/lbfgs.ts';
import { matrix, type FitContext } from '../src/models/learner.ts';
import { logisticLearner, logisticObjective, type LogisticFitted } from '../src/models/logistic.ts';
import { mulberry32 } from '../src/random.ts';

const binary: FitContext = { task: 'binary', seed: 1 };

// 12 rows, 2 features. References: the exact optimum of scikit-learn's objective from scipy's L-BFGS-B
// at gtol 1e-14 (scikit-learn 1.2.1's own LogisticRegression stops looser and agrees to ~1e-6).
const X12 = [
  [0.5, 1.2],
  [1.5, -0.3],
  [-0.7, 0.8],
  [2.0, 1.0],
  [-1.2, -0.5],
  [0.3, -1.1],
  [1.1, 0.4],
  [-0.4, -0.9],
  [0.9, 1.8],
  [-1.6, 0.2],
  [0.0, 0.0],
  [1.3, -1.4],
];
const x12 = matrix(Float64Array.from(X12.flat()), 2);

function thetaOf(m: LogisticFitted): Float64Array {
  return Float64Array.from([...m.weights, ...m.intercept]);
}

describe('logistic regression', () => {
  it('matches the 1-D optimum solved by hand (8σ(w) + w/C = 6, b = 0)', async () => {
    // x = +1: three 1s and one 0; x = −1: one 1 and three 0s. By symmetry b = 0 and the summed
    // gradient in w is 8σ(w) − 6 + w/C.
    const xs = [1, 1, 1, 1, -1, -1, -1, -1];
    const ys = [1, 1, 1, 0, 1, 0, 0, 0];
    const x = matrix(Float64Array.from(xs), 1);
    const y = Float64Array.from(ys);
    for (const C of [1, 1e8]) {
      let w = 0;
      for (let i = 0; i < 50; i++) {
        const s = 1 / (1 + Math.exp(-w));
        w -= (8 * s - 6 + w / C) / (8 * s * (1 - s) + 1 / C);
      }
      const m = (await logisticLearner.fit(x, y, { C, tol: 1e-12 }, binary)) as LogisticFitted;
      expect(m.weights[0]).toBeCloseTo(w, 7);
      expect(m.intercept[0]).toBeCloseTo(0, 7);
    }
    // Unregularised, the fitted P(1 | x = 1) is the empirical 3/4, i.e. w = ln 3.
    const m = (await logisticLearner.fit(x, y, { C: 1e8, tol: 1e-12 }, binary)) as LogisticFitted;
    expect(m.weights[0]).toBeCloseTo(Math.log(3), 6);
    expect(m.predict(matrix(Float64Array.from([1, -1]), 1))[0]).toBeCloseTo(0.75, 7);
  });

  it('matches scikit-learn (binary, C = 1) with a vanishing gradient', async () => {
    const y = Float64Array.from([1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0]);
    const m = (await logisticLearner.fit(x12, y, { C: 1, tol: 1e-10 }, binary)) as LogisticFitted;
    expect(m.weights[0]).toBeCloseTo(1.072641545893, 8);
    expect(m.weights[1]).toBeCloseTo(1.048464862035, 8);
    expect(m.intercept[0]).toBeCloseTo(-0.373351084482, 8);
    // scikit-learn's coef_ [[1.0726429, 1.04846654]], intercept_ [-0.37335158]
    expect(m.weights[0]).toBeCloseTo(1.0726429, 5);
    const g = new Float64Array(3);
    logisticObjective(x12, y, 1, 1 / x12.rows)(thetaOf(m), g);
    expect(Math.hypot(...g)).toBeLessThan(1e-6);
    expect(m.toJSON()).toEqual({
      kind: 'logistic',
      weights: [[m.weights[0]], [m.weights[1]]],
      intercept: [m.intercept[0]],
      classes: [0, 1],
    });
  });

  it('matches scikit-learn (multinomial, C = 0.5)', async () => {
    const y = Float64Array.from([0, 1, 2, 1, 0, 2, 1, 0, 2, 0, 1, 2]);
    const m = (await logisticLearner.fit(
      x12,
      y,
      { C: 0.5, tol: 1e-10 },
      { task: 'multiclass', classes: 3, seed: 1 },
    )) as LogisticFitted;
    const json = m.toJSON();
    // cols × k (scikit-learn's coef_ is the transpose: [[-0.65910233, -0.01756164], …]).
    const ref = [
      [-0.659102745936, 0.577752642154, 0.081350103782],
      [-0.017562663063, 0.071361293711, -0.053798630648],
    ];
    for (let j = 0; j < 2; j++)
      for (let c = 0; c < 3; c++) expect(json.weights[j]?.[c]).toBeCloseTo(ref[j]?.[c] as number, 8);
    const refB = [0.127227388909, -0.232678632299, 0.10545124339];
    for (let c = 0; c < 3; c++) expect(json.intercept[c]).toBeCloseTo(refB[c] as number, 8);
    const g = new Float64Array(9);
    logisticObjective(x12, y, 3, 1 / (0.5 * x12.rows))(thetaOf(m), g);
    expect(Math.hypot(...g)).toBeLessThan(1e-6);
    const p = m.predict(x12);
    expect(p.length).toBe(36);
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 12);
  });

  it('separates three Gaussian blobs (accuracy > 0.95)', async () => {
    const { x, y } = blobs(300, 5);
    const m = await logisticLearner.fit(x, y, {}, { task: 'multiclass', seed: 1 });
    const p = m.predict(x);
    let correct = 0;
    for (let r = 0; r < x.rows; r++) {
      let best = 0;
      for (let c = 1; c < 3; c++) if (p[r * 3 + c]! > p[r * 3 + best]!) best = c;
      if (best === y[r]) correct++;
    }
    expect(correct / x.rows).toBeGreaterThan(0.95);
  });

  it('gives one probability column per class for a two-class multiclass task', async () => {
    const y = Float64Array.from([1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0]);
    const multi = await logisticLearner.fit(x12, y, { tol: 1e-10 }, { task: 'multiclass', seed: 1 });
    const bin = await logisticLearner.fit(x12, y, { tol: 1e-10 }, binary);
    const pm = multi.predict(x12);
    const pb = bin.predict(x12);
    expect(pm.length).toBe(24);
    // Softmax over two classes with halved penalty per logit is not the sigmoid fit, but both rank rows alike.
    for (let r = 0; r < 12; r++) expect(pm[r * 2 + 1]! > 0.5).toBe(pb[r]! > 0.5);
  });

  it('is deterministic', async () => {
    const { x, y } = blobs(150, 9);
    const ctx: FitContext = { task: 'multiclass', seed: 3 };
    const a = await logisticLearner.fit(x, y, {}, ctx);
    const b = await logisticLearner.fit(x, y, {}, ctx);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
  });

  it('rejects bad parameters and labels with coded errors', async () => {
    const y = Float64Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    await expect(logisticLearner.fit(x12, y, { C: 0 }, binary)).rejects.toMatchObject({
      code: TrainerErrorCodes.MODEL_PARAM_INVALID,
    });
    await expect(
      logisticLearner.fit(
        x12,
        y.map((v) => v * 2),
        {},
        binary,
      ),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.MODEL_LABELS_INVALID });
    await expect(
      logisticLearner.fit(
        x12,
        y.map((v) => v + 0.5),
        {},
        binary,
      ),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.MODEL_LABELS_INVALID });
  });
});

describe('lbfgs', () => {
  it('minimises the Rosenbrock function', () => {
    const f = (x: Float64Array): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const grad = (x: Float64Array, g: Float64Array): void => {
      g[0] = -400 * x[0]! * (x[1]! - x[0]! ** 2) - 2 * (1 - x[0]!);
      g[1] = 200 * (x[1]! - x[0]! ** 2);
    };
    const res = lbfgs(f, grad, Float64Array.from([-1.2, 1]), { maxIter: 200, tol: 1e-9 });
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 6);
    expect(res.x[1]).toBeCloseTo(1, 6);
  });
});

function blobs(n: number, seed: number): { x: ReturnType<typeof matrix>; y: Float64Array } {
  const rng = mulberry32(seed);
  const centres = [
    [0, 0],
    [4, 0],
    [0, 4],
  ];
  const data = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    // Sum of uniforms: roughly Gaussian, spread ~0.8.
    data[i * 2] = centres[c]![0]! + (rng() + rng() + rng() - 1.5) * 1.6;
    data[i * 2 + 1] = centres[c]![1]! + (rng() + rng() + rng() - 1.5) * 1.6;
  }
  return { x: matrix(data, 2), y };
}
