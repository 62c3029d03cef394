/** run/stacking.ts and learners/stacking/model.ts: the meta-learners, the stacked model, and the out-of-fold rows it is fitted on. */
import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { accuracy, rmse } from '../src/eval/metrics.ts';
import type { FittedModel, Matrix } from '../src/models/learner.ts';
import { mulberry32 } from '../src/random.ts';
import type { Design } from '../src/run/cv.ts';
import { applyMeta, stackFeatures, StackingModel, type StackMeta } from '../src/learners/stacking/model.ts';
import { fitNonNegative, fitStackMeta, outOfFold, stackingFoldScores } from '../src/run/stacking.ts';

/** A member predicting fixed values; its saved form is a constant tagged by `id`. */
const fixed = (id: number, values: number[]): FittedModel => ({
  kind: 'mean',
  predict: () => Float64Array.from(values),
  toJSON: () => ({ kind: 'mean', value: id }),
});

function columns(...cols: number[][]): Matrix {
  const rows = (cols[0] as number[]).length;
  const data = new Float64Array(rows * cols.length);
  for (let i = 0; i < rows; i++) cols.forEach((c, j) => (data[i * cols.length + j] = c[i] as number));
  return { data, rows, cols: cols.length };
}

function noisy(n: number, seed: number): number[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => rng() * 10);
}

describe('fitNonNegative (regression meta-learner)', () => {
  it('recovers non-negative weights and the intercept of an exact blend (known answer)', () => {
    const a = noisy(200, 1);
    const b = noisy(200, 2);
    const y = a.map((v, i) => 2 + 0.3 * v + 0.7 * (b[i] as number));
    const { weights, intercept } = fitNonNegative(columns(a, b), y);
    expect(weights[0]).toBeCloseTo(0.3, 3);
    expect(weights[1]).toBeCloseTo(0.7, 3);
    expect(intercept).toBeCloseTo(2, 2);
  });

  it('never gives a member a negative weight, where plain least squares would', () => {
    const a = noisy(300, 3);
    const b = noisy(300, 4);
    const y = a.map((v, i) => v - 0.5 * (b[i] as number)); // b's least-squares weight is −0.5
    const { weights, intercept } = fitNonNegative(columns(a, b), y);
    expect(weights[1]).toBe(0);
    expect(weights[0]).toBeGreaterThan(0.9);
    // KKT: with b held at 0, moving b's weight up cannot lower the squared error.
    const resid = y.map((v, i) => v - intercept - (weights[0] as number) * (a[i] as number));
    const meanB = b.reduce((s, v) => s + v, 0) / b.length;
    expect(resid.reduce((s, r, i) => s + r * ((b[i] as number) - meanB), 0)).toBeLessThan(0);
  });

  it('refuses an empty fit and more members than it enumerates, with coded errors', () => {
    expect(() => fitNonNegative({ data: new Float64Array(0), rows: 0, cols: 2 }, [])).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.DATA_TOO_SMALL }),
    );
    expect(() => fitNonNegative({ data: new Float64Array(11), rows: 1, cols: 11 }, [1])).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.MODEL_PARAM_INVALID }),
    );
  });
});

describe('StackingModel', () => {
  it('regression: intercept + Σ wᵢ·yᵢ of the members (known answer) and its JSON', () => {
    const meta: StackMeta = {
      learner: 'nnls',
      link: 'identity',
      weights: Float64Array.of(0.5, 2),
      intercept: Float64Array.of(1),
    };
    const s = new StackingModel([fixed(1, [0, 10, 4]), fixed(2, [4, 20, 8])], meta);
    const x: Matrix = { data: new Float64Array(3), rows: 3, cols: 1 };
    expect(Array.from(s.predict(x))).toEqual([9, 46, 19]);
    expect(s.kind).toBe('stacking');
    expect(s.toJSON()).toEqual({
      kind: 'stacking',
      learner: 'nnls',
      link: 'identity',
      members: [
        { kind: 'mean', value: 1 },
        { kind: 'mean', value: 2 },
      ],
      meta: { weights: [[0.5], [2]], intercept: [1] },
    });
  });

  it('binary: σ of the logit of the members’ P(class 1); multiclass: a softmax over members × classes inputs', () => {
    const bin = new StackingModel([fixed(1, [0.2, 0.9]), fixed(2, [0.4, 0.6])], {
      learner: 'logistic',
      link: 'logistic',
      weights: Float64Array.of(2, -1),
      intercept: Float64Array.of(-0.5),
    });
    const p = bin.predict({ data: new Float64Array(2), rows: 2, cols: 1 });
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-(-0.5 + 0.4 - 0.4))), 12);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-(-0.5 + 1.8 - 0.6))), 12);
    // Two members × 3 classes → 6 inputs × 3 outputs.
    const w = Float64Array.from({ length: 18 }, (_, i) => ((i * 7) % 5) - 2);
    const multi = new StackingModel([fixed(1, [0.2, 0.3, 0.5, 1, 0, 0]), fixed(2, [0.1, 0.1, 0.8, 0.3, 0.3, 0.4])], {
      learner: 'logistic',
      link: 'softmax',
      weights: w,
      intercept: Float64Array.of(0.1, 0, -0.1),
    });
    const q = multi.predict({ data: new Float64Array(2), rows: 2, cols: 1 });
    expect(q).toHaveLength(6);
    for (let r = 0; r < 2; r++)
      expect((q[3 * r] as number) + (q[3 * r + 1] as number) + (q[3 * r + 2] as number)).toBeCloseTo(1, 12);
    const inputs = stackFeatures(
      [Float64Array.of(0.2, 0.3, 0.5, 1, 0, 0), Float64Array.of(0.1, 0.1, 0.8, 0.3, 0.3, 0.4)],
      2,
      3,
    );
    expect(Array.from(inputs.data.subarray(0, 6))).toEqual([0.2, 0.3, 0.5, 0.1, 0.1, 0.8]);
    const z = [0, 1, 2].map(
      (c) =>
        [0.1, 0, -0.1][c]! + [0.2, 0.3, 0.5, 0.1, 0.1, 0.8].reduce((s, v, j) => s + v * (w[j * 3 + c] as number), 0),
    );
    const e = z.map(Math.exp);
    expect(q[1]).toBeCloseTo((e[1] as number) / (e[0]! + e[1]! + e[2]!), 12);
  });

  it('refuses a meta-learner that does not fit its members', () => {
    const meta: StackMeta = {
      learner: 'nnls',
      link: 'identity',
      weights: Float64Array.of(1, 1, 1),
      intercept: Float64Array.of(0),
    };
    expect(() => new StackingModel([fixed(1, [1])], meta)).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.RUN_MODEL_UNKNOWN }),
    );
  });
});

describe('fitStackMeta', () => {
  it('binary: a logistic meta-learner that leans on the informative member, deterministically', async () => {
    const rng = mulberry32(9);
    const n = 400;
    const y = Float64Array.from({ length: n }, () => (rng() < 0.5 ? 1 : 0));
    const good = Float64Array.from(y, (v) => Math.min(1, Math.max(0, 0.5 + (v ? 0.3 : -0.3) + (rng() - 0.5) * 0.4)));
    const noise = Float64Array.from(y, () => rng());
    const x = stackFeatures([good, noise], n, 1);
    const meta = await fitStackMeta('binary', x, y, { seed: 1 });
    expect(meta).toMatchObject({ learner: 'logistic', link: 'logistic' });
    expect(Math.abs(meta.weights[0] as number)).toBeGreaterThan(5 * Math.abs(meta.weights[1] as number));
    expect(accuracy(y, applyMeta(meta, x))).toBeGreaterThan(0.9);
    const again = await fitStackMeta('binary', x, y, { seed: 1 });
    expect(Array.from(again.weights)).toEqual(Array.from(meta.weights));
  });

  it('regression: the non-negative blend beats the plain average when one member is shrunk', async () => {
    const truth = noisy(300, 5);
    const shrunk = Float64Array.from(truth, (v) => 5 + 0.3 * (v - 5));
    const rough = Float64Array.from(truth, (v, i) => v + ((i * 37) % 11) / 5 - 1);
    const y = Float64Array.from(truth);
    const x = stackFeatures([shrunk, rough], 300, 1);
    const meta = await fitStackMeta('regression', x, y, { seed: 1 });
    const avg = Float64Array.from(shrunk, (v, i) => (v + (rough[i] as number)) / 2);
    expect(rmse(y, applyMeta(meta, x))).toBeLessThan(rmse(y, avg));
  });
});

describe('out-of-fold rows', () => {
  const design = (held: number[], y: number[]): Design => ({
    pipeline: {} as Design['pipeline'],
    train: { x: { data: new Float64Array(0), rows: 0, cols: 0 }, y: new Float64Array(0), rows: [] },
    held: {
      x: { data: new Float64Array(held.length), rows: held.length, cols: 1 },
      y: Float64Array.from(y),
      rows: held,
    },
  });

  it('are the folds’ held rows, each once, with each member’s held-out prediction side by side', () => {
    const designs = [design([0, 3], [1, 4]), design([1, 4], [2, 5]), design([2], [3])];
    const a = [Float64Array.of(10, 13), Float64Array.of(11, 14), Float64Array.of(12)];
    const b = [Float64Array.of(20, 23), Float64Array.of(21, 24), Float64Array.of(22)];
    const oof = outOfFold(designs, [a, b], 1);
    expect(oof.rows).toEqual([0, 3, 1, 4, 2]);
    expect(Array.from(oof.fold)).toEqual([0, 0, 1, 1, 2]);
    expect(Array.from(oof.y)).toEqual([1, 4, 2, 5, 3]);
    expect(Array.from(oof.x.data)).toEqual([10, 20, 13, 23, 11, 21, 14, 24, 12, 22]);
  });

  it('CV of stacking fits each fold’s meta-learner without that fold', async () => {
    // Fold 1's rows follow y = 2·a; the others y = a. A meta-learner that saw fold 1 would fit it better.
    const a0 = [1, 2, 3, 4, 5, 6];
    const a1 = [1.5, 2.5, 3.5];
    const designs = [
      design([0, 1, 2, 3, 4, 5], a0),
      design(
        [6, 7, 8],
        a1.map((v) => 2 * v),
      ),
      design([9, 10, 11], [7, 8, 9]),
    ];
    const member = [Float64Array.from(a0), Float64Array.from(a1), Float64Array.of(7, 8, 9)];
    const oof = outOfFold(designs, [member], 1);
    const scores = await stackingFoldScores('regression', oof, 3, rmse, { seed: 1 });
    // Fitted on folds 0 and 2 (y = a exactly), fold 1 is predicted as a: rmse = mean |a|.
    expect(scores[1]).toBeCloseTo(Math.sqrt(a1.reduce((s, v) => s + v * v, 0) / 3), 3);
  });
});
