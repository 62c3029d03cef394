import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import type { Matrix, Task } from '../src/models/learner.ts';
import { AveragingModel } from '../src/learners/averaging/model.ts';
import { reviveModel } from '../src/learners/registry.ts';
import { stackFeatures, StackingModel } from '../src/learners/stacking/model.ts';
import { StandardizedModel } from '../src/learners/standardize.ts';
import type { SavedModel } from '../src/model/saved.ts';
import { MlpFitted } from '../src/models/mlp/mlp.ts';
import { learnerByName } from '../src/run/candidates.ts';
import { reviveSaved, saveModel, type RunModelFile } from '../src/run/revive.ts';
import { mulberry32 } from '../src/random.ts';
import { fitStackMeta } from '../src/run/stacking.ts';

function data(task: Task, n = 120): { x: Matrix; y: Float64Array } {
  const rng = mulberry32(4);
  const cols = 3;
  const x = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) x[i * cols + j] = rng() * 10 - 5;
    const s = (x[i * cols] as number) + 0.5 * (x[i * cols + 1] as number);
    y[i] = task === 'regression' ? 1000 + 3 * s : task === 'binary' ? (s > 0 ? 1 : 0) : s < -2 ? 0 : s < 2 ? 1 : 2;
  }
  return { x: { data: x, rows: n, cols }, y };
}

const small: Record<string, object> = {
  forest: { n_estimators: 5, n_jobs: 1 },
  gbdt: { max_iter: 10, min_samples_leaf: 5 },
  mlp: { hidden_layer_sizes: [6], max_iter: 15 },
  tree: { max_depth: 5 },
};

const cases: [string, Task][] = [
  ['mean', 'regression'],
  ['median', 'regression'],
  ['linear', 'regression'],
  ['tree', 'regression'],
  ['forest', 'regression'],
  ['gbdt', 'regression'],
  ['mlp', 'regression'],
  ['majority', 'binary'],
  ['logistic', 'binary'],
  ['tree', 'binary'],
  ['forest', 'binary'],
  ['gbdt', 'binary'],
  ['mlp', 'binary'],
  ['majority', 'multiclass'],
  ['logistic', 'multiclass'],
  ['tree', 'multiclass'],
  ['forest', 'multiclass'],
  ['gbdt', 'multiclass'],
  ['mlp', 'multiclass'],
];

/** Through the file format: stringify, parse, revive. */
const roundTrip = (saved: RunModelFile): RunModelFile => JSON.parse(JSON.stringify(saved)) as RunModelFile;

describe('reviveModel', () => {
  it.each(cases)('%s (%s): revived predictions equal the live model’s', async (name, task) => {
    const { x, y } = data(task);
    const ctx = { task, seed: 2, ...(task === 'multiclass' ? { classes: 3 } : {}) };
    const live = await learnerByName(name).fit(x, y, small[name] ?? {}, ctx);
    const revived = reviveSaved(roundTrip(saveModel(live, task)));
    expect(revived.kind).toBe(live.kind);
    const a = live.predict(x);
    const b = revived.predict(x);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 9);
    // Saving the revived model gives the same content: nothing is lost on the way.
    expect(saveModel(revived, task)).toEqual(saveModel(live, task));
    // The MLP revives to the learner's own model class (no second predict to keep in step).
    if (name === 'mlp') expect((revived as StandardizedModel).inner).toBeInstanceOf(MlpFitted);
  });

  it('revives a single learner saved in the first file format (no kind inside the model)', async () => {
    const { x, y } = data('regression');
    const live = await learnerByName('gbdt').fit(x, y, small.gbdt as object, { task: 'regression', seed: 2 });
    const { kind: _k, ...model } = roundTrip(saveModel(live, 'regression')).model as SavedModel & { kind?: string };
    const old = { format: 'outpost-run-model/1', kind: 'gbdt', task: 'regression', model } as unknown as RunModelFile;
    expect(Array.from(reviveSaved(old).predict(x))).toEqual(Array.from(live.predict(x)));
  });

  it('revives an averaging ensemble of different kinds', async () => {
    const { x, y } = data('regression');
    const ctx = { task: 'regression' as const, seed: 1 };
    const members = [
      await learnerByName('linear').fit(x, y, {}, ctx),
      await learnerByName('gbdt').fit(x, y, small.gbdt as object, ctx),
    ];
    const live = new AveragingModel(members.map((model, i) => ({ model, weight: i + 1 })));
    const revived = reviveSaved(roundTrip(saveModel(live, 'regression')));
    expect(revived).toBeInstanceOf(AveragingModel);
    const a = live.predict(x);
    const b = revived.predict(x);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 9);
  });

  it.each(['regression', 'binary', 'multiclass'] as const)(
    'revives a stacking ensemble (%s): members and meta-learner',
    async (task) => {
      const { x, y } = data(task);
      const ctx = { task, seed: 1, ...(task === 'multiclass' ? { classes: 3 } : {}) };
      const kinds = task === 'regression' ? ['linear', 'gbdt'] : ['logistic', 'gbdt', 'tree'];
      const members = [];
      for (const k of kinds) members.push(await learnerByName(k).fit(x, y, small[k] ?? {}, ctx));
      const width = task === 'multiclass' ? 3 : 1;
      const meta = await fitStackMeta(
        task,
        stackFeatures(
          members.map((m) => m.predict(x)),
          x.rows,
          width,
        ),
        y,
        { seed: 1, ...(task === 'multiclass' ? { classes: 3 } : {}) },
      );
      const live = new StackingModel(members, meta);
      const revived = reviveSaved(roundTrip(saveModel(live, task)));
      expect(revived).toBeInstanceOf(StackingModel);
      expect((revived as StackingModel).meta.link).toBe(meta.link);
      const a = live.predict(x);
      const b = revived.predict(x);
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 12);
      expect(saveModel(revived, task)).toEqual(saveModel(live, task));
      // A stacking ensemble saved for another task, or without its meta-learner, is refused.
      const saved = roundTrip(saveModel(live, task));
      expect(() => reviveSaved({ ...saved, task: task === 'regression' ? 'binary' : 'regression' })).toThrow(
        expect.objectContaining({ code: TrainerErrorCodes.RUN_MODEL_UNKNOWN }),
      );
      const noMeta = { ...saved, model: { ...saved.model, meta: undefined } } as unknown as RunModelFile;
      expect(() => reviveSaved(noMeta)).toThrow(expect.objectContaining({ code: TrainerErrorCodes.RUN_MODEL_UNKNOWN }));
    },
  );

  it('refuses an unknown kind with a coded error', () => {
    expect(() => reviveModel({ kind: 'svm' } as unknown as SavedModel, 'regression')).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.RUN_MODEL_UNKNOWN }),
    );
    expect(() => reviveModel({ kind: 'gbdt', weights: [] } as unknown as SavedModel, 'regression')).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.RUN_MODEL_UNKNOWN }),
    );
  });
});
