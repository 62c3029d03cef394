import { describe, expect, it } from 'vitest';
import { forestLearner, type ForestModel } from '../src/models/forest/learner.ts';
import { treeLearner } from '../src/models/cart/learner.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { matrix, type FitContext, type Matrix } from '../src/models/learner.ts';
import { ensembleScores, leafOf, postTransform, type Tree } from '../src/models/tree.ts';
import { mulberry32 } from '../src/random.ts';

const reg: FitContext = { task: 'regression', seed: 7 };

/** y = sin(3x₀) + N(0, σ²) with a second, irrelevant feature. */
function leafCount(t: Tree): number {
  let n = 0;
  for (const f of t.feature) if (f < 0) n++;
  return n;
}

function noisySine(n: number, sigma: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(seed);
  const data = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const x0 = rng() * 2 - 1;
    data[r * 2] = x0;
    data[r * 2 + 1] = rng();
    const gauss = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    y[r] = Math.sin(3 * x0) + sigma * gauss;
  }
  return { x: matrix(data, 2), y };
}

/** Two overlapping 3-D classes: label 1 when x₀ + x₁ > 0, 10% of labels flipped. */
function twoClasses(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(seed);
  const data = Float64Array.from({ length: n * 3 }, () => rng() * 2 - 1);
  const y = Float64Array.from({ length: n }, (_, r) => {
    const label = (data[r * 3] as number) + (data[r * 3 + 1] as number) > 0 ? 1 : 0;
    return rng() < 0.1 ? 1 - label : label;
  });
  return { x: matrix(data, 3), y };
}

const json = (m: ForestModel): string => JSON.stringify(m.toJSON());

describe('random forest', () => {
  it('builds the same forest on 1 and 2 threads', async () => {
    const { x, y } = noisySine(300, 0.1, 1);
    const one = await forestLearner.fit(x, y, { n_estimators: 24, n_jobs: 1, max_features: 0.5 }, reg);
    const two = await forestLearner.fit(x, y, { n_estimators: 24, n_jobs: 2, max_features: 0.5 }, reg);
    expect(one.workerTrees).toBe(0);
    expect(two.workerTrees).toBeGreaterThan(0); // the worker really built some of them
    expect(json(two)).toBe(json(one));
    expect(two.oobScore).toBe(one.oobScore);

    const c = twoClasses(200, 2);
    const ctx: FitContext = { task: 'binary', seed: 3 };
    const c1 = await forestLearner.fit(c.x, c.y, { n_estimators: 16, n_jobs: 1 }, ctx);
    const c2 = await forestLearner.fit(c.x, c.y, { n_estimators: 16, n_jobs: 2 }, ctx);
    expect(json(c2)).toBe(json(c1));
    expect(c2.oobScore).toBe(c1.oobScore);
  });

  it('computes a sensible out-of-bag RMSE', async () => {
    const sigma = 0.2;
    const { x, y } = noisySine(400, sigma, 5);
    const model = await forestLearner.fit(x, y, { n_estimators: 40, n_jobs: 1 }, reg);
    expect(model.oobScore).toBeGreaterThan(0.8 * sigma);
    expect(model.oobScore).toBeLessThan(2 * sigma);
    // With 40 trees every row is out of bag for some tree (P(miss) = 0.632^40 ≈ 1e-8).
    expect(model.oobPrediction.every((v) => Number.isFinite(v))).toBe(true);
    // The OOB RMSE is honest: far above the training RMSE of the same forest.
    const train = model.predict(x);
    let se = 0;
    for (let r = 0; r < x.rows; r++) se += ((train[r] as number) - (y[r] as number)) ** 2;
    expect(Math.sqrt(se / x.rows)).toBeLessThan(0.7 * model.oobScore);
  });

  it('scores classification by OOB accuracy and averages class probabilities', async () => {
    const { x, y } = twoClasses(300, 4);
    const model = await forestLearner.fit(x, y, { n_estimators: 30, n_jobs: 1 }, { task: 'binary', seed: 1 });
    expect(model.oobScore).toBeGreaterThan(0.75); // labels are 10% noise
    expect(model.oobScore).toBeLessThanOrEqual(1);
    const p = model.predict(x);
    expect(p.length).toBe(x.rows);
    // P(class 1) = the mean over trees of each tree's leaf probability, computed by hand.
    for (let r = 0; r < 20; r++) {
      let s = 0;
      for (const t of model.ensemble.trees) s += t.value[leafOf(t, x.data, r * 3) * 2 + 1] as number;
      expect(p[r]).toBeCloseTo(s / model.ensemble.trees.length, 12);
    }
  });

  it('predicts through ensembleScores + postTransform on the raw matrix', async () => {
    const { x, y } = noisySine(200, 0.1, 9);
    const model = await forestLearner.fit(x, y, { n_estimators: 10, n_jobs: 1 }, reg);
    const e = model.ensemble;
    expect(e.aggregate).toBe('average');
    expect(e.post).toBe('identity');
    expect(Array.from(e.base)).toEqual([0]);
    expect(Array.from(postTransform(e, ensembleScores(e, x.data, x.rows, x.cols)))).toEqual(
      Array.from(model.predict(x)),
    );
  });

  it('without bootstrap and subsampling every tree fits the training rows as the CART tree does', async () => {
    // Fully grown on distinct rows: every leaf holds one row, so every tree — whichever of two
    // equally good features its seed tries first — and the CART tree reproduce the targets.
    const { x, y } = noisySine(150, 0.1, 2);
    const forest = await forestLearner.fit(x, y, { n_estimators: 3, bootstrap: false, n_jobs: 1 }, reg);
    const tree = await treeLearner.fit(x, y, {}, reg);
    const pf = forest.predict(x);
    const pt = tree.predict(x);
    for (let r = 0; r < x.rows; r++) {
      expect(pt[r]).toBe(y[r]);
      expect(pf[r]).toBeCloseTo(y[r] as number, 12); // (v+v+v)/3 may round
    }
    expect(forest.ensemble.trees.map((t) => leafCount(t))).toEqual([150, 150, 150]);

    expect(Number.isNaN(forest.oobScore)).toBe(true);
  });

  it("is deterministic per seed and uses sklearn's max_features defaults", async () => {
    const { x, y } = twoClasses(150, 6);
    const ctx: FitContext = { task: 'binary', seed: 11 };
    const base = json(await forestLearner.fit(x, y, { n_estimators: 5, n_jobs: 1 }, ctx));
    expect(json(await forestLearner.fit(x, y, { n_estimators: 5, n_jobs: 1 }, ctx))).toBe(base);
    expect(json(await forestLearner.fit(x, y, { n_estimators: 5, n_jobs: 1, max_features: 'sqrt' }, ctx))).toBe(base);
    expect(json(await forestLearner.fit(x, y, { n_estimators: 5, n_jobs: 1, max_features: 1 }, ctx))).not.toBe(base);
    expect(json(await forestLearner.fit(x, y, { n_estimators: 5, n_jobs: 1 }, { ...ctx, seed: 12 }))).not.toBe(base);
    const r = noisySine(100, 0.1, 3);
    expect(json(await forestLearner.fit(r.x, r.y, { n_estimators: 4, n_jobs: 1 }, reg))).toBe(
      json(await forestLearner.fit(r.x, r.y, { n_estimators: 4, n_jobs: 1, max_features: 1 }, reg)),
    );
  });

  it('handles multiclass and rejects bad parameters', async () => {
    const rng = mulberry32(2);
    const n = 150;
    const data = Float64Array.from({ length: n * 2 }, () => rng() * 3);
    const y = Float64Array.from({ length: n }, (_, r) => Math.floor(data[r * 2] as number));
    const model = await forestLearner.fit(
      matrix(data, 2),
      y,
      { n_estimators: 10, n_jobs: 1 },
      { task: 'multiclass', classes: 3, seed: 1 },
    );
    const p = model.predict(matrix(Float64Array.from([0.5, 1, 1.5, 1, 2.5, 1]), 2));
    expect(p.length).toBe(9);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(p.subarray(r * 3, r * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(row.indexOf(Math.max(...row))).toBe(r);
    }
    const x = matrix(new Float64Array(20), 2);
    for (const bad of [{ n_estimators: 0 }, { n_jobs: 0 }, { n_jobs: 1.5 }, { max_depth: -1 }]) {
      await expect(forestLearner.fit(x, new Float64Array(10), bad, reg)).rejects.toMatchObject({
        code: TrainerErrorCodes.MODEL_PARAM_INVALID,
      });
    }
  });

  it("splits on exact thresholds: the midpoint between the node's neighbouring values, past 255 distinct values", async () => {
    const n = 1000;
    const x = matrix(
      Float64Array.from({ length: n }, (_, i) => i / 1000),
      1,
    );
    const y = Float64Array.from({ length: n }, (_, i) => (i >= 500 ? 1 : 0));
    const tree = await treeLearner.fit(x, y, {}, reg);
    const t = tree.ensemble.trees[0] as Tree;
    expect(t.feature.length).toBe(3); // one split separates the classes exactly
    expect(t.threshold[0]).toBeCloseTo(0.4995, 12);
  });

  it('breaks ties between equally good features at random, so trees do not all take the first', async () => {
    // Feature 1 is a copy of feature 0: every split ties.
    const { x: one, y } = noisySine(200, 0.1, 4);
    const data = new Float64Array(200 * 2);
    for (let r = 0; r < 200; r++) data[r * 2] = data[r * 2 + 1] = one.data[r * 2] as number;
    const forest = await forestLearner.fit(matrix(data, 2), y, { n_estimators: 20, n_jobs: 1 }, reg);
    const roots = forest.ensemble.trees.map((t) => t.feature[0]);
    expect(roots).toContain(0);
    expect(roots).toContain(1);
  });
});
