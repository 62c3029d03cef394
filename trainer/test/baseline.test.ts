import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { majorityLearner, meanLearner, medianLearner } from '../src/models/baseline.ts';
import { matrix } from '../src/models/learner.ts';

const x = matrix(
  new Float64Array(5 * 2).map((_, i) => i),
  2,
);

describe('baselines', () => {
  it('mean and median predict the training constant', async () => {
    const y = Float64Array.from([1, 2, 3, 4, 100]);
    const mean = await meanLearner.fit(x, y, {}, { task: 'regression', seed: 0 });
    const median = await medianLearner.fit(x, y, {}, { task: 'regression', seed: 0 });
    expect(Array.from(mean.predict(matrix(new Float64Array(6), 2)))).toEqual([22, 22, 22]);
    expect(Array.from(median.predict(x))).toEqual([3, 3, 3, 3, 3]);
    expect(mean.toJSON()).toEqual({ kind: 'mean', value: 22 });
    expect(median.kind).toBe('median');
    const even = await medianLearner.fit(
      matrix(new Float64Array(8), 2),
      Float64Array.from([4, 1, 3, 2]),
      {},
      { task: 'regression', seed: 0 },
    );
    expect(even.toJSON()).toEqual({ kind: 'median', value: 2.5 });
  });

  it('majority predicts the class priors (P(1) for binary, the vector for multiclass)', async () => {
    const bin = await majorityLearner.fit(
      matrix(new Float64Array(4), 1),
      Float64Array.from([1, 0, 1, 1]),
      {},
      { task: 'binary', seed: 0 },
    );
    expect(Array.from(bin.predict(matrix(new Float64Array(2), 1)))).toEqual([0.75, 0.75]);
    expect(bin.toJSON()).toEqual({ kind: 'majority', priors: [0.25, 0.75] });
    const two = await majorityLearner.fit(
      matrix(new Float64Array(4), 1),
      Float64Array.from([1, 0, 1, 1]),
      {},
      { task: 'multiclass', seed: 0 },
    );
    expect(Array.from(two.predict(matrix(new Float64Array(1), 1)))).toEqual([0.25, 0.75]);
    const multi = await majorityLearner.fit(
      x,
      Float64Array.from([0, 2, 2, 2, 0]),
      {},
      { task: 'multiclass', classes: 4, seed: 0 },
    );
    expect(Array.from(multi.predict(matrix(new Float64Array(4), 2)))).toEqual([0.4, 0, 0.6, 0, 0.4, 0, 0.6, 0]);
  });

  it('fails with coded errors on no rows or bad labels', async () => {
    await expect(
      meanLearner.fit(matrix(new Float64Array(0), 2), new Float64Array(0), {}, { task: 'regression', seed: 0 }),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.DATA_TOO_SMALL });
    await expect(
      majorityLearner.fit(x, Float64Array.from([0, 1, 2, 1, 0]), {}, { task: 'binary', seed: 0 }),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.MODEL_LABELS_INVALID });
    await expect(
      majorityLearner.fit(x, Float64Array.from([0, 1, 5, 1, 0]), {}, { task: 'multiclass', classes: 3, seed: 0 }),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.MODEL_LABELS_INVALID });
  });
});
