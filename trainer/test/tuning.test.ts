import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import type { FittedModel, Learner } from '../src/models/learner.ts';
import { candidatesFor, gridPoints, type Candidate } from '../src/run/candidates.ts';
import type { Design, RunData } from '../src/run/cv.ts';
import { tune } from '../src/run/tuning.ts';

/** A learner whose prediction is the constant `c`: validation RMSE is |c − 5| on y ≡ 5. */
const constant: Learner<{ c: number; pad: number }> = {
  name: 'constant',
  tasks: ['regression'],
  defaults: { c: 0, pad: 0 },
  async fit(_x, _y, p): Promise<FittedModel> {
    const c = p.c ?? 0;
    return {
      kind: 'mean',
      predict: (x) => new Float64Array(x.rows).fill(c),
      toJSON: () => ({ kind: 'mean', value: c }),
    };
  },
};

const y = new Float64Array(30).fill(5);
const split: Design = {
  pipeline: { format: 'outpost-spec-pipeline/1', inputs: [], steps: [], features: ['a'] },
  train: { x: { data: new Float64Array(30), rows: 30, cols: 1 }, y, rows: [] },
  held: { x: { data: new Float64Array(30), rows: 30, cols: 1 }, y, rows: [] },
};
const data = { spec: { metric: 'rmse', task: 'regression' } } as unknown as RunData;

function candidate(grid: Record<string, unknown[]>, params = { c: 0, pad: 0 }): Candidate {
  return { name: 'constant', learner: constant as never, params, grid };
}

describe('tune', () => {
  it('grid search finds the known best point on validation', async () => {
    const r = await tune(data, split, candidate({ c: [1, 4, 6, 9] }), { seed: 1 });
    expect(r.method).toBe('grid');
    expect(r.best).toEqual({ c: 4, pad: 0 }); // ties (4 and 6) keep the earlier point
    expect(r.bestScore).toBeCloseTo(1, 12);
    expect(r.defaultScore).toBeCloseTo(5, 12);
    expect(r.trials.map((t) => t.params.c)).toEqual([0, 1, 4, 6, 9]); // the CV params first
  });

  it('never counts more parameter sets tried than the search space holds (the CV params included)', async () => {
    const grid = await tune(data, split, candidate({ c: [1, 4, 6, 9] }), { seed: 1 });
    expect([grid.tried, grid.space]).toEqual([5, 5]);
    const inGrid = await tune(data, split, candidate({ c: [0, 4, 6] }), { seed: 1 });
    expect([inGrid.tried, inGrid.space]).toEqual([3, 3]);
    const halving = await tune(
      data,
      split,
      candidate({ c: [0, 1, 2, 3, 4, 5, 6, 7], pad: [0, 1, 2, 3] }, { c: 9, pad: 0 }),
      {
        seed: 3,
        budget: 4,
      },
    );
    expect(halving.trials.length).toBeGreaterThan(halving.tried); // some points fitted in both rounds
    expect(halving.tried).toBeLessThanOrEqual(halving.space);
    expect(halving.space).toBe(33);
  });

  it('never returns worse than the untuned parameters', async () => {
    const r = await tune(data, split, candidate({ c: [20, 30] }, { c: 5, pad: 0 }), { seed: 1 });
    expect(r.best.c).toBe(5);
    expect(r.bestScore).toBe(0);
  });

  it('samples a large grid and thins it by successive halving, deterministically', async () => {
    const grid = { c: [0, 1, 2, 3, 4, 5, 6, 7], pad: [0, 1, 2, 3] };
    const a = await tune(data, split, candidate(grid, { c: 9, pad: 0 }), { seed: 3, budget: 4 });
    expect(a.method).toBe('halving');
    expect(a.space).toBe(33); // 32 grid points and the CV params
    expect(a.trials.filter((t) => t.fraction < 1)).toHaveLength(13);
    expect(a.trials.filter((t) => t.fraction === 1).length).toBeLessThanOrEqual(4);
    const b = await tune(data, split, candidate(grid, { c: 9, pad: 0 }), { seed: 3, budget: 4 });
    expect(JSON.stringify(b.trials)).toBe(JSON.stringify(a.trials));
  });
});

describe('candidates', () => {
  it('expands grids and reads spec candidates (a list is a grid, its first value the CV default)', () => {
    expect(gridPoints({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    const [base, gbdt, mlp] = candidatesFor('regression', {
      gbdt: { max_iter: [50, 100], learning_rate: 0.2 },
      mlp: { hidden_layer_sizes: [8, 4] },
    });
    expect(base?.baseline).toBe(true);
    expect(gbdt?.params).toMatchObject({ max_iter: 50, learning_rate: 0.2 });
    expect(gbdt?.grid).toEqual({ max_iter: [50, 100] });
    expect(mlp?.params.hidden_layer_sizes).toEqual([8, 4]);
    expect(mlp?.grid).toEqual({});
    expect(candidatesFor('binary', undefined).map((c) => c.name)).toEqual([
      'majority',
      'logistic',
      'tree',
      'forest',
      'gbdt',
      'mlp',
    ]);
  });

  it('rejects unknown learners, unknown parameters and learners unfit for the task', () => {
    const code = { code: TrainerErrorCodes.RUN_CANDIDATE_INVALID };
    expect(() => candidatesFor('regression', { svm: {} })).toThrow(expect.objectContaining(code));
    expect(() => candidatesFor('regression', { gbdt: { depth: 3 } })).toThrow(expect.objectContaining(code));
    expect(() => candidatesFor('regression', { logistic: {} })).toThrow(expect.objectContaining(code));
  });
});
