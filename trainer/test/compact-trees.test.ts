/**
 * onnx/compact-trees.ts: known-answer compaction of a hand-built tree (a split decided by its
 * ancestor, equal sibling leaves), float32 rounding-down of thresholds, identical predictions for
 * fitted forests / GBDTs in process and in onnxruntime-web, and the bound of the tolerance merge.
 */
import { describe, expect, it } from 'vitest';
import { ensembleScores, type Tree, type TreeEnsemble } from '../src/models/tree.ts';
import { compactEnsemble, compactTree, floorToFloat32, EXACT_COMPACTION } from '../src/onnx/compact-trees.ts';
import { ensembleOf } from '../src/onnx/heads/tree.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { mulberry32 } from '../src/random.ts';
import { fitKind, fixture, ortWeb, runOnnx, trainedModel } from './export-fixtures.ts';

function tree(nodes: [feature: number, threshold: number, left: number, right: number, value: number][]): Tree {
  return {
    feature: Int32Array.from(nodes, (n) => n[0]),
    threshold: Float64Array.from(nodes, (n) => n[1]),
    left: Int32Array.from(nodes, (n) => n[2]),
    right: Int32Array.from(nodes, (n) => n[3]),
    value: Float64Array.from(nodes, (n) => n[4]),
    outputs: 1,
  };
}

describe('compactTree', () => {
  // 0: x0 ≤ 5 ? 1 : 4;  1: x0 ≤ 7 (always true under x0 ≤ 5) ? 2 : 3;  4: x1 ≤ 1 ? 5 : 6 (both leaves 3).
  const t = tree([
    [0, 5, 1, 4, 0],
    [0, 7, 2, 3, 0],
    [-1, 0, -1, -1, 10],
    [-1, 0, -1, -1, 20],
    [1, 1, 5, 6, 0],
    [-1, 0, -1, -1, 3],
    [-1, 0, -1, -1, 3],
  ]);

  it('drops a split its ancestor decides and merges equal sibling leaves (known answer)', () => {
    const stats = { nodesBefore: 0, nodesAfter: 0, impliedSplits: 0, mergedLeaves: 0 };
    const c = compactTree(t, EXACT_COMPACTION, stats);
    expect(Array.from(c.feature)).toEqual([0, -1, -1]);
    expect(Array.from(c.threshold)).toEqual([5, 0, 0]);
    expect([c.left[0], c.right[0]]).toEqual([1, 2]);
    expect(Array.from(c.value)).toEqual([0, 10, 3]);
    expect(stats).toEqual({ nodesBefore: 7, nodesAfter: 3, impliedSplits: 1, mergedLeaves: 1 });
  });

  it('does nothing with no options, and the tolerance merge uses the midpoint', () => {
    const same = compactTree(t, {});
    expect(Array.from(same.feature)).toEqual(Array.from(t.feature));
    expect(Array.from(same.value)).toEqual(Array.from(t.value));
    const near = tree([
      [0, 0.5, 1, 2, 0],
      [-1, 0, -1, -1, 1.0],
      [-1, 0, -1, -1, 1.2],
    ]);
    expect(Array.from(compactTree(near, { mergeEqualLeaves: true }).feature)).toEqual([0, -1, -1]);
    expect(Array.from(compactTree(near, { mergeTolerance: 0.25 }).value)).toEqual([1.1]);
  });
});

describe('floorToFloat32', () => {
  it('gives the largest float32 not above x (known answers)', () => {
    expect(floorToFloat32(0.1)).toBe(0.09999999403953552);
    expect(floorToFloat32(-0.1)).toBe(-0.10000000149011612);
    expect(floorToFloat32(0.5)).toBe(0.5);
    expect(floorToFloat32(1e-50)).toBe(0);
    expect(floorToFloat32(-1e-50)).toBe(-1.401298464324817e-45);
  });

  it('decides every float32 value like the double threshold', () => {
    const rng = mulberry32(11);
    for (let i = 0; i < 20000; i++) {
      const t = (rng() - 0.5) * 10 ** Math.floor(rng() * 12 - 6);
      const ft = floorToFloat32(t);
      expect(Math.fround(ft)).toBe(ft);
      for (const x of [Math.fround(t), ft, Math.fround(t * (1 + 1e-7)), Math.fround(t * (1 - 1e-7))]) {
        if (x <= t !== x <= ft) expect.fail(`x ${x}, t ${t}, floor ${ft}`);
      }
    }
  });
});

describe('compacted ensembles predict exactly the same', () => {
  const f = fixture(400);

  it.each([
    ['forest', 'regression'],
    ['gbdt', 'regression'],
    ['tree', 'binary'],
    ['forest', 'multiclass'],
  ] as const)('%s (%s) in process and in onnxruntime-web', async (kind, task) => {
    const model = await fitKind(f, kind, task);
    const e: TreeEnsemble = ensembleOf(model.toJSON());
    const { ensemble, stats } = compactEnsemble(e);
    expect(stats.nodesAfter).toBeLessThanOrEqual(stats.nodesBefore);
    expect(Array.from(ensembleScores(ensemble, f.x.data, f.x.rows, f.x.cols))).toEqual(
      Array.from(ensembleScores(e, f.x.data, f.x.rows, f.x.cols)),
    );
    const t = trainedModel(f, model, task);
    const plain = await runOnnx(
      ortWeb,
      exportModelOnnx(t, { trees: { compact: false, thresholds: 'float64' } }),
      t.pipeline,
      f.trainRecords,
    );
    const compact = await runOnnx(ortWeb, exportModelOnnx(t), t.pipeline, f.trainRecords);
    expect(compact).toEqual(plain);
  });

  it('the tolerance merge moves a forest prediction by at most tolerance / 2', async () => {
    const model = await fitKind(f, 'forest', 'regression');
    const e = ensembleOf(model.toJSON());
    const tol = 50;
    const { ensemble, stats } = compactEnsemble(e, { ...EXACT_COMPACTION, mergeTolerance: tol });
    expect(stats.mergedLeaves).toBeGreaterThan(0);
    const a = ensembleScores(e, f.x.data, f.x.rows, f.x.cols);
    const b = ensembleScores(ensemble, f.x.data, f.x.rows, f.x.cols);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    expect(worst).toBeGreaterThan(0);
    // Averaged over trees, but one merge can stack per depth level: bound by depth × tol / 2.
    expect(worst).toBeLessThanOrEqual((6 * tol) / 2);
  });
});
