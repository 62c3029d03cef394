import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { applyBins, fitBins } from '../src/models/binner.ts';
import { fitGbdt, gbdtLearner, type GbdtModel, type GbdtParams } from '../src/models/gbdt/index.ts';
import { buildHistogram, histogramSize, subtractHistogram } from '../src/models/gbdt/histogram.ts';
import { matrix, type Matrix } from '../src/models/learner.ts';
import { ensembleScores, leafOf, postTransform, type Tree } from '../src/models/tree.ts';
import { mulberry32 } from '../src/random.ts';
import { rmse } from '../src/stats.ts';

/** n rows of `cols` uniform features in [lo, hi) and a target from the row. */
function synth(
  n: number,
  cols: number,
  seed: number,
  f: (row: Float64Array) => number,
  lo = -3,
  hi = 3,
): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(seed);
  const data = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols; c++) data[i * cols + c] = lo + (hi - lo) * rng();
    y[i] = f(data.subarray(i * cols, (i + 1) * cols));
  }
  return { x: matrix(data, cols), y };
}

/** Approximately normal noise (sum of uniforms), seeded. */
function noise(rng: () => number): number {
  return rng() + rng() + rng() + rng() - 2;
}

const leafCount = (t: Tree) => Array.from(t.feature).filter((f) => f < 0).length;
const reg = (x: Matrix, y: Float64Array, p: Partial<GbdtParams> = {}): GbdtModel =>
  fitGbdt(x, y, p, { task: 'regression', seed: 1 });

/** Rows reaching each leaf of `tree`. */
function leafSizes(tree: Tree, x: Matrix): Map<number, number> {
  const sizes = new Map<number, number>();
  for (let r = 0; r < x.rows; r++) {
    const leaf = leafOf(tree, x.data, r * x.cols);
    sizes.set(leaf, (sizes.get(leaf) ?? 0) + 1);
  }
  return sizes;
}

describe('gbdt regression', () => {
  it('fits y = x² on [-3, 3] to RMSE < 0.1 (target range 0–9)', async () => {
    const { x, y } = synth(1000, 1, 1, (r) => (r[0] as number) ** 2);
    const model = await gbdtLearner.fit(x, y, { max_iter: 200, min_samples_leaf: 5 }, { task: 'regression', seed: 1 });
    expect(model.kind).toBe('gbdt');
    expect(rmse(model.predict(x), y)).toBeLessThan(0.1);
    const test = synth(300, 1, 2, (r) => (r[0] as number) ** 2, -2.9, 2.9);
    expect(rmse(model.predict(test.x), test.y)).toBeLessThan(0.15);
  });

  it('fits a step function exactly with one split at the step', () => {
    const { x, y } = synth(400, 2, 3, (r) => ((r[1] as number) <= 0.5 ? 2 : 7));
    const model = reg(x, y, { max_iter: 1, learning_rate: 1, max_leaf_nodes: 2, min_samples_leaf: 1 });
    const tree = model.ensemble.trees[0] as Tree;
    expect(leafCount(tree)).toBe(2);
    expect(tree.feature[0]).toBe(1);
    expect(tree.threshold[0]).toBeGreaterThan(0.45);
    expect(tree.threshold[0]).toBeLessThan(0.55);
    const p = model.predict(x);
    for (let i = 0; i < y.length; i++) expect(p[i]).toBeCloseTo(y[i] as number, 10);
  });

  it('starts from the mean and folds the learning rate into the leaves', () => {
    const { x, y } = synth(200, 1, 4, (r) => ((r[0] as number) <= 0 ? 0 : 10));
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const model = reg(x, y, { max_iter: 1, learning_rate: 0.5, max_leaf_nodes: 2, min_samples_leaf: 1 });
    expect(model.ensemble.base[0]).toBeCloseTo(mean, 12);
    const tree = model.ensemble.trees[0] as Tree;
    // Leaf value −G/H × rate, with G = Σ(mean − y) over the leaf and H its row count.
    expect(tree.value[tree.left[0] as number]).toBeCloseTo((0 - mean) * 0.5, 10);
    expect(tree.value[tree.right[0] as number]).toBeCloseTo((10 - mean) * 0.5, 10);
  });

  it('shrinks leaves with l2_regularization: value = −G/(H+λ) · rate', () => {
    const x = matrix(Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1]), 1);
    const y = Float64Array.from([0, 0, 0, 0, 8, 8, 8, 8]);
    const model = reg(x, y, { max_iter: 1, learning_rate: 1, min_samples_leaf: 1, l2_regularization: 4 });
    const tree = model.ensemble.trees[0] as Tree;
    // base 4; right leaf: G = Σ(4 − 8) = −16, H = 4 → 16 / (4 + 4) = 2.
    expect(tree.value[tree.right[0] as number]).toBeCloseTo(2, 12);
    expect(tree.value[tree.left[0] as number]).toBeCloseTo(-2, 12);
  });

  it('respects max_leaf_nodes, max_depth and min_samples_leaf in every tree', () => {
    const { x, y } = synth(1500, 3, 5, (r) => Math.sin(3 * (r[0] as number)) + (r[1] as number) * (r[2] as number));
    const model = reg(x, y, { max_iter: 20, max_leaf_nodes: 7, min_samples_leaf: 40 });
    for (const tree of model.ensemble.trees) {
      expect(leafCount(tree)).toBeLessThanOrEqual(7);
      for (const size of leafSizes(tree, x).values()) expect(size).toBeGreaterThanOrEqual(40);
    }
    expect(Math.max(...model.ensemble.trees.map(leafCount))).toBe(7);
    const shallow = reg(x, y, { max_iter: 5, max_leaf_nodes: 31, max_depth: 2 });
    for (const tree of shallow.ensemble.trees) expect(leafCount(tree)).toBeLessThanOrEqual(4);
  });

  it('histogram subtraction gives the same tree as building every child directly', () => {
    // Integer targets on 1024 rows keep the base (mean) and every gradient sum exact in binary, so
    // the two ways of getting a histogram agree bit for bit and near-tied gains cannot flip.
    const { x, y } = synth(1024, 4, 6, (r) =>
      Math.round(4 * (r[0] as number) * (r[1] as number) + Math.abs(r[2] as number)),
    );
    const params = { max_iter: 1, learning_rate: 1, max_leaf_nodes: 31, min_samples_leaf: 5 };
    const fast = reg(x, y, params);
    const direct = reg(x, y, { ...params, histogram_subtraction: false });
    expect(leafCount(fast.ensemble.trees[0] as Tree)).toBe(31);
    expect(JSON.stringify(fast.toJSON())).toBe(JSON.stringify(direct.toJSON()));
  });

  it('histogram subtraction and direct building fit equally well over many iterations', () => {
    const { x, y } = synth(800, 4, 6, (r) => (r[0] as number) * (r[1] as number) + Math.abs(r[2] as number));
    const fast = rmse(reg(x, y, { max_iter: 30, min_samples_leaf: 5 }).predict(x), y);
    const direct = rmse(reg(x, y, { max_iter: 30, min_samples_leaf: 5, histogram_subtraction: false }).predict(x), y);
    expect(Math.abs(fast - direct) / direct).toBeLessThan(0.02);
  });

  it('ensembleScores on the raw matrix equals predict, and two fits are identical', () => {
    const { x, y } = synth(600, 3, 7, (r) => (r[0] as number) - 2 * (r[1] as number) ** 2);
    const a = reg(x, y, { max_iter: 30 });
    const b = reg(x, y, { max_iter: 30 });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(a.ensemble.aggregate).toBe('sum');
    expect(a.ensemble.post).toBe('identity');
    expect(Array.from(ensembleScores(a.ensemble, x.data, x.rows, x.cols))).toEqual(Array.from(a.predict(x)));
    const json = a.toJSON() as { trees: { threshold: unknown }[] };
    expect(Array.isArray(json.trees[0]?.threshold)).toBe(true);
  });
});

describe('gbdt histograms', () => {
  it('subtraction of a child from its parent equals the sibling built from its rows', () => {
    const { x, y } = synth(500, 3, 8, (r) => r[0] as number);
    // Column 2 one-hot-like (two bins), which takes the two-bin fast path.
    for (let r = 0; r < x.rows; r++) x.data[r * 3 + 2] = (x.data[r * 3 + 2] as number) > 0 ? 1 : 0;
    const binned = applyBins(x, fitBins(x));
    const n = x.rows;
    const binCounts = fitBins(x).counts;
    const idx = Uint32Array.from({ length: n }, (_, i) => i);
    const size = histogramSize(3);
    const ordered = new Float64Array(n);
    const hess = Float64Array.from(y, (v) => 0.5 + Math.abs(v));
    const build = (start: number, end: number) => {
      const h = new Float64Array(size);
      buildHistogram(h, binned.bins, n, 3, binCounts, idx, start, end, y, hess, ordered, new Float64Array(n));
      return h;
    };
    const parent = build(0, n);
    // Split the rows in place: even rows first, then odd rows (the sibling).
    const even = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0);
    const odd = Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 1);
    idx.set([...even, ...odd]);
    const left = build(0, even.length);
    const right = build(even.length, n);
    subtractHistogram(parent, left, 3, binCounts);
    parent.forEach((v, i) => expect(v).toBeCloseTo(right[i] as number, 9));
    expect(binCounts[2]).toBe(2);
    // The two-bin path agrees with plain per-row sums.
    let g1 = 0;
    let h1 = 0;
    for (const r of odd) {
      if ((x.data[r * 3 + 2] as number) !== 1) continue;
      g1 += y[r] as number;
      h1 += hess[r] as number;
    }
    const one = (2 * 256 + 1) * 3;
    expect(right[one]).toBeCloseTo(g1, 9);
    expect(right[one + 1]).toBeCloseTo(h1, 9);
    expect((right[one + 2] as number) + (right[2 * 256 * 3 + 2] as number)).toBe(odd.length);
    // Counts per feature add up to the node's rows.
    let count = 0;
    for (let b = 0; b < 256; b++) count += right[b * 3 + 2] as number;
    expect(count).toBe(odd.length);
  });
});

describe('gbdt classification', () => {
  const blobs = (n: number, seed: number) => {
    const rng = mulberry32(seed);
    const data = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const label = i % 2;
      data[i * 2] = (label ? 1.5 : -1.5) + noise(rng);
      data[i * 2 + 1] = (label ? -1 : 1) + noise(rng);
      y[i] = label;
    }
    return { x: matrix(data, 2), y };
  };

  it('log loss separates two Gaussian blobs with probabilities in (0, 1)', async () => {
    const train = blobs(600, 9);
    const test = blobs(400, 10);
    const model = await gbdtLearner.fit(train.x, train.y, { max_iter: 50 }, { task: 'binary', seed: 1 });
    const p = model.predict(test.x);
    let correct = 0;
    p.forEach((v, i) => {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1);
      if ((v > 0.5 ? 1 : 0) === test.y[i]) correct++;
    });
    expect(correct / test.y.length).toBeGreaterThan(0.95);
    const e = (model as GbdtModel).ensemble;
    expect(e.post).toBe('logistic');
    expect(e.base[0]).toBeCloseTo(0, 12); // balanced classes: log-odds of 1/2
    expect(Array.from(postTransform(e, ensembleScores(e, test.x.data, test.x.rows, 2)))).toEqual(Array.from(p));
  });

  it('softmax fits three classes with one tree per class per iteration', () => {
    const { x, y } = synth(900, 2, 11, (r) => ((r[0] as number) < -1 ? 0 : (r[0] as number) < 1 ? 1 : 2));
    const model = fitGbdt(x, y, { max_iter: 10 }, { task: 'multiclass', classes: 3, seed: 1 });
    expect(model.ensemble.trees.length).toBe(30);
    expect(Array.from(model.ensemble.treeOutput ?? [])).toEqual(Array.from({ length: 30 }, (_, t) => t % 3));
    const p = model.predict(x);
    let correct = 0;
    for (let i = 0; i < x.rows; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      if (row.indexOf(Math.max(...row)) === y[i]) correct++;
    }
    expect(correct / x.rows).toBeGreaterThan(0.97);
  });

  it('rejects labels that are not class indices', () => {
    const x = matrix(Float64Array.from([0, 1, 2]), 1);
    expect(() => fitGbdt(x, Float64Array.from([0, 2, 1]), {}, { task: 'binary', seed: 1 })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.MODEL_LABELS_INVALID }),
    );
  });
});

describe('gbdt early stopping', () => {
  const noisy = (n: number, seed: number) => {
    const rng = mulberry32(seed);
    return synth(n, 3, seed, (r) => (r[0] as number) + 3 * noise(rng));
  };

  it('stops before max_iter on a noisy problem and keeps the best iteration', () => {
    const train = noisy(400, 12);
    const validation = noisy(400, 13);
    const params = {
      max_iter: 300,
      learning_rate: 0.3,
      min_samples_leaf: 5,
      early_stopping: true,
      n_iter_no_change: 10,
    };
    const model = fitGbdt(train.x, train.y, params, { task: 'regression', seed: 1, validation });
    const history = model.validationLoss;
    expect(history.length - 1).toBeLessThan(300);
    const best = history.indexOf(Math.min(...history));
    expect(model.iterations).toBe(best);
    expect(history.length - 1).toBe(best + 10);
    expect(model.ensemble.trees.length).toBe(best);
    // The kept model scores the best validation loss.
    const mse = rmse(model.predict(validation.x), validation.y) ** 2;
    expect(mse).toBeCloseTo(history[best] as number, 9);
  });

  it('needs validation rows', () => {
    const { x, y } = noisy(50, 14);
    expect(() => reg(x, y, { early_stopping: true })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.MODEL_PARAM_INVALID }),
    );
  });

  it('rejects out-of-range params with the param named', () => {
    const { x, y } = noisy(50, 15);
    expect(() => reg(x, y, { max_leaf_nodes: 1 })).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.MODEL_PARAM_INVALID,
        details: expect.objectContaining({ param: 'max_leaf_nodes' }),
      }),
    );
    expect(() => reg(x, y, { max_bins: 256 })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.MODEL_PARAM_INVALID }),
    );
  });
});
