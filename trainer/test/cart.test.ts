import { describe, expect, it } from 'vitest';
import { treeLearner } from '../src/models/cart/learner.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { matrix, type Matrix } from '../src/models/learner.ts';
import { ensembleScores, leafOf, postTransform, type Tree } from '../src/models/tree.ts';
import { mulberry32 } from '../src/random.ts';

const reg = { task: 'regression', seed: 1 } as const;

function nodeDepths(t: Tree): Int32Array {
  const d = new Int32Array(t.feature.length);
  for (let j = 0; j < t.feature.length; j++) {
    if ((t.feature[j] as number) >= 0) {
      d[t.left[j] as number] = (d[j] as number) + 1;
      d[t.right[j] as number] = (d[j] as number) + 1;
    }
  }
  return d;
}

function leafCount(t: Tree): number {
  return Array.from(t.feature).filter((f) => f < 0).length;
}

function randomMatrix(n: number, cols: number, seed: number): Matrix {
  const rng = mulberry32(seed);
  return matrix(
    Float64Array.from({ length: n * cols }, () => rng() * 2 - 1),
    cols,
  );
}

/** Three well-separated 2-D blobs, labels 0..2. */
function blobs(perClass: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(seed);
  const centres = [
    [0, 0],
    [6, 0],
    [0, 6],
  ];
  const data: number[] = [];
  const y: number[] = [];
  centres.forEach(([cx, cy], k) => {
    for (let i = 0; i < perClass; i++) {
      data.push((cx as number) + rng() * 2 - 1, (cy as number) + rng() * 2 - 1);
      y.push(k);
    }
  });
  return { x: matrix(Float64Array.from(data), 2), y: Float64Array.from(y) };
}

describe('CART tree', () => {
  it('separates XOR exactly with two levels of splits', async () => {
    const data: number[] = [];
    const y: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      for (const [a, b] of [
        [-1, -1],
        [-1, 1],
        [1, -1],
        [1, 1],
      ] as const) {
        data.push(a, b);
        y.push(a > 0 !== b > 0 ? 1 : 0);
      }
    }
    const x = matrix(Float64Array.from(data), 2);
    const model = await treeLearner.fit(x, Float64Array.from(y), { max_depth: 2 }, { task: 'binary', seed: 1 });
    const tree = model.ensemble.trees[0] as Tree;
    expect(tree.outputs).toBe(2);
    expect(tree.feature.length).toBe(7);
    expect(Math.max(...nodeDepths(tree))).toBe(2);
    expect(tree.threshold[0]).toBe(0); // the midpoint of −1 and 1
    expect(Array.from(model.predict(x))).toEqual(y);
    // Points never seen, one per quadrant.
    expect(Array.from(model.predict(matrix(Float64Array.from([-0.3, -5, -2, 0.1, 4, -0.5, 0.2, 9]), 2)))).toEqual([
      0, 1, 1, 0,
    ]);
  });

  it('recovers a step function with one leaf per step', async () => {
    const n = 120;
    const xs = Float64Array.from({ length: n }, (_, i) => i / n);
    const step = (v: number): number => (v < 0.3 ? 0 : v < 0.7 ? 5 : -2);
    const model = await treeLearner.fit(matrix(xs, 1), xs.map(step), {}, reg);
    const tree = model.ensemble.trees[0] as Tree;
    expect(leafCount(tree)).toBe(3);
    const probe = Float64Array.from([0, 0.1, 0.29, 0.31, 0.5, 0.69, 0.71, 0.99]);
    expect(Array.from(model.predict(matrix(probe, 1)))).toEqual(Array.from(probe, step));
  });

  it('fits distinct training rows exactly through raw thresholds', async () => {
    const x = randomMatrix(150, 3, 11);
    const rng = mulberry32(5);
    const y = Float64Array.from({ length: x.rows }, () => rng() * 100);
    const model = await treeLearner.fit(x, y, {}, reg);
    const tree = model.ensemble.trees[0] as Tree;
    // Every leaf pure: leafOf on the raw rows must land each row on its own value.
    for (let r = 0; r < x.rows; r++) expect(tree.value[leafOf(tree, x.data, r * x.cols)]).toBe(y[r]);
    expect(Array.from(model.predict(x))).toEqual(Array.from(y));
    expect(Array.from(postTransform(model.ensemble, ensembleScores(model.ensemble, x.data, x.rows, x.cols)))).toEqual(
      Array.from(model.predict(x)),
    );
  });

  it('respects min_samples_leaf and max_depth', async () => {
    const x = randomMatrix(300, 2, 3);
    const rng = mulberry32(9);
    const y = Float64Array.from({ length: x.rows }, (_, r) => Math.sin(3 * (x.data[r * 2] as number)) + rng());
    const leafy = await treeLearner.fit(x, y, { min_samples_leaf: 10 }, reg);
    const t1 = leafy.ensemble.trees[0] as Tree;
    const perLeaf = new Map<number, number>();
    for (let r = 0; r < x.rows; r++) {
      const leaf = leafOf(t1, x.data, r * 2);
      perLeaf.set(leaf, (perLeaf.get(leaf) ?? 0) + 1);
    }
    expect(perLeaf.size).toBe(leafCount(t1));
    expect(Math.min(...perLeaf.values())).toBeGreaterThanOrEqual(10);
    expect(leafCount(t1)).toBeGreaterThan(5);

    const shallow = await treeLearner.fit(x, y, { max_depth: 3 }, reg);
    const t2 = shallow.ensemble.trees[0] as Tree;
    expect(Math.max(...nodeDepths(t2))).toBe(3);
    expect(leafCount(t2)).toBe(8);
    // Leaf values are the means of their rows.
    const sums = new Map<number, [number, number]>();
    for (let r = 0; r < x.rows; r++) {
      const leaf = leafOf(t2, x.data, r * 2);
      const [s, c] = sums.get(leaf) ?? [0, 0];
      sums.set(leaf, [s + (y[r] as number), c + 1]);
    }
    for (const [leaf, [s, c]] of sums) expect(t2.value[leaf]).toBeCloseTo(s / c, 10);
  });

  it('stops on min_impurity_decrease and min_samples_split', async () => {
    const x = randomMatrix(100, 2, 4);
    const y = Float64Array.from({ length: x.rows }, (_, r) => ((x.data[r * 2] as number) > 0 ? 1 : 0) + 0.01 * (r % 3));
    // The x1 > 0 split lowers the weighted variance by ≈ 0.25; nothing later comes close to 0.1.
    const t = (await treeLearner.fit(x, y, { min_impurity_decrease: 0.1 }, reg)).ensemble.trees[0] as Tree;
    expect(t.feature.length).toBe(3);
    expect(t.feature[0]).toBe(0);
    expect(((await treeLearner.fit(x, y, {}, reg)).ensemble.trees[0] as Tree).feature.length).toBeGreaterThan(3);
    const root = (await treeLearner.fit(x, y, { min_samples_split: 101 }, reg)).ensemble.trees[0] as Tree;
    expect(root.feature.length).toBe(1);
    expect(root.value[0]).toBeCloseTo(y.reduce((a, b) => a + b, 0) / y.length, 12);
  });

  it('classifies blobs with Gini, leaves holding class probabilities', async () => {
    const train = blobs(30, 1);
    const model = await treeLearner.fit(train.x, train.y, {}, { task: 'multiclass', classes: 3, seed: 1 });
    const test = blobs(20, 2);
    const p = model.predict(test.x);
    expect(p.length).toBe(test.x.rows * 3);
    let correct = 0;
    for (let r = 0; r < test.x.rows; r++) {
      const row = Array.from(p.subarray(r * 3, r * 3 + 3));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      if (row.indexOf(Math.max(...row)) === test.y[r]) correct++;
    }
    expect(correct).toBe(test.x.rows);
    // A mixed leaf holds the class fractions: one constant feature, labels 0,0,0,1 → P(1) = 0.25.
    const flat = await treeLearner.fit(
      matrix(new Float64Array(4), 1),
      Float64Array.from([0, 0, 0, 1]),
      {},
      { task: 'binary', seed: 0 },
    );
    expect(Array.from(flat.predict(matrix(new Float64Array(2), 1)))).toEqual([0.25, 0.25]);
  });

  it('is deterministic for a seed with feature subsampling', async () => {
    const x = randomMatrix(200, 6, 8);
    const y = Float64Array.from(
      { length: x.rows },
      (_, r) => (x.data[r * 6] as number) + (x.data[r * 6 + 3] as number) ** 2,
    );
    const fit = async (seed: number): Promise<string> =>
      JSON.stringify((await treeLearner.fit(x, y, { max_features: 0.5 }, { task: 'regression', seed })).toJSON());
    expect(await fit(3)).toBe(await fit(3));
    expect(await fit(3)).not.toBe(await fit(4));
  });

  it('rejects bad parameters and labels with coded errors', async () => {
    const x = randomMatrix(10, 2, 1);
    const y = new Float64Array(10);
    for (const bad of [
      { max_depth: 0 },
      { min_samples_leaf: 0 },
      { min_samples_split: 1 },
      { max_features: 0 },
      { max_features: 1.5 },
      { min_impurity_decrease: -1 },
    ]) {
      await expect(treeLearner.fit(x, y, bad, reg)).rejects.toMatchObject({
        code: TrainerErrorCodes.MODEL_PARAM_INVALID,
      });
    }
    await expect(
      treeLearner.fit(
        x,
        y.map((_, i) => i % 3),
        {},
        { task: 'binary', seed: 0 },
      ),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.MODEL_LABELS_INVALID });
    await expect(treeLearner.fit(matrix(new Float64Array(0), 2), new Float64Array(0), {}, reg)).rejects.toMatchObject({
      code: TrainerErrorCodes.DATA_TOO_SMALL,
    });
  });
});
