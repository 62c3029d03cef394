/**
 * System test (`npm run test:system`; needs Debian's python3-onnx): an independent ONNX checker
 * (`onnx.checker.check_model`, full check with shape inference) accepts every graph the exporter
 * writes — each learner and task, averaging and stacking ensembles, standardised logistic / MLP
 * heads (Sub / Div before the first layer), and every int8 storage. The numeric agreement of the
 * same graphs with the trainer is checked by parity.test.ts, standardize.test.ts and
 * quantized-artifact.test.ts in `npm test`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { INT8_LADDER } from '../src/artifact/int8-ladder.ts';
import type { FittedModel, Learner, Task } from '../src/models/learner.ts';
import { logisticLearner } from '../src/models/logistic.ts';
import { mlpLearner } from '../src/models/mlp/mlp.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { AveragingModel } from '../src/learners/averaging/model.ts';
import { stackFeatures, StackingModel } from '../src/learners/stacking/model.ts';
import { standardized } from '../src/learners/standardize.ts';
import { fitStackMeta } from '../src/run/stacking.ts';
import {
  fitKind,
  fixture,
  onnxCheck,
  ONNX_CHECKER_PACKAGE,
  QUICK_PARAMS,
  requireOnnxChecker,
  trainedModel,
} from './export-fixtures.ts';
import { tempDir } from './helpers.ts';
import { fitStacking } from './stacking-fixtures.ts';

const f = fixture();
const tmp = tempDir('outpost-onnx-checker-');
afterAll(() => tmp.cleanup());

/** Runs the checker on `models`; one "ok <path>" line per model, in order. */
function expectAccepted(models: Record<string, Uint8Array>): void {
  const out = onnxCheck(tmp.dir, models);
  const lines = out.trim().split('\n');
  expect(lines.map((l) => l.replace(/^ok .*\/([^/]+)\.onnx$/, '$1'))).toEqual(Object.keys(models));
}

describe(`the Debian onnx checker (${ONNX_CHECKER_PACKAGE}, full check)`, () => {
  it('accepts every learner for every task, averaging and stacking ensembles included', async () => {
    requireOnnxChecker(); // before any fit: a missing package fails at once, naming it
    const cases: [string, Task][] = [
      ['mean', 'regression'],
      ['majority', 'binary'],
      ['majority', 'multiclass'],
      ['linear', 'regression'],
      ['logistic', 'binary'],
      ['logistic', 'multiclass'],
      ['tree', 'regression'],
      ['tree', 'binary'],
      ['forest', 'regression'],
      ['forest', 'multiclass'],
      ['gbdt', 'regression'],
      ['gbdt', 'binary'],
      ['gbdt', 'multiclass'],
      ['mlp', 'regression'],
      ['mlp', 'binary'],
      ['mlp', 'multiclass'],
      ['averaging', 'regression'],
      ['averaging', 'binary'],
      ['stacking', 'regression'],
      ['stacking', 'binary'],
      ['stacking', 'multiclass'],
    ];
    const models: Record<string, Uint8Array> = {};
    for (const [kind, task] of cases) {
      const model = kind === 'stacking' ? await fitStacking(f, task) : await fitKind(f, kind, task);
      models[`${kind}-${task}`] = exportModelOnnx(trainedModel(f, model, task));
    }
    expectAccepted(models);
  });

  it('accepts standardised logistic and MLP heads, alone, averaged and stacked', async () => {
    requireOnnxChecker(); // before any fit: a missing package fails at once, naming it
    const ctx = (task: Task, seed = 3): { task: Task; seed: number; classes: number } => ({
      task,
      seed,
      classes: task === 'multiclass' ? 3 : 2,
    });
    const fitStd = (kind: 'logistic' | 'mlp', task: Task, seed = 3): Promise<FittedModel> =>
      standardized((kind === 'mlp' ? mlpLearner : logisticLearner) as unknown as Learner).fit(
        f.x,
        f.targets[task],
        QUICK_PARAMS[kind] ?? {},
        ctx(task, seed),
      );
    const pair = async (task: Task): Promise<{ kind: string; model: FittedModel }[]> =>
      task === 'regression'
        ? [
            { kind: 'mlp', model: await fitStd('mlp', task) },
            { kind: 'mlp', model: await fitStd('mlp', task, 4) },
          ]
        : [
            { kind: 'logistic', model: await fitStd('logistic', task) },
            { kind: 'mlp', model: await fitStd('mlp', task) },
          ];
    const models: Record<string, Uint8Array> = {};
    const add = (name: string, model: FittedModel, task: Task): void => {
      models[name] = exportModelOnnx(trainedModel(f, model, task));
    };
    for (const task of ['binary', 'multiclass'] as Task[])
      add(`logistic-${task}`, await fitStd('logistic', task), task);
    for (const task of ['regression', 'binary', 'multiclass'] as Task[])
      add(`mlp-${task}`, await fitStd('mlp', task), task);
    for (const task of ['regression', 'binary'] as Task[]) {
      const members = await pair(task);
      add(`averaging-${task}`, new AveragingModel(members.map((m, i) => ({ model: m.model, weight: i + 1 }))), task);
    }
    for (const task of ['binary', 'multiclass'] as Task[]) {
      const members = (await pair(task)).map((m) => m.model);
      const width = task === 'multiclass' ? 3 : 1;
      const z = stackFeatures(
        members.map((m) => m.predict(f.x)),
        f.x.rows,
        width,
      );
      add(
        `stacking-${task}`,
        new StackingModel(members, await fitStackMeta(task, z, f.targets[task], ctx(task))),
        task,
      );
    }
    expectAccepted(models);
  });

  it('accepts every int8 storage of the ladder, an int8 bias with per-channel scales, and dynamic int8', async () => {
    requireOnnxChecker(); // before any fit: a missing package fails at once, naming it
    const mlp = trainedModel(
      f,
      await mlpLearner.fit(
        f.x,
        f.targets.regression,
        { hidden_layer_sizes: [64, 64], max_iter: 40, early_stopping: false },
        { task: 'regression', seed: 3 },
      ),
      'regression',
      'synth-mlp',
    );
    const logistic = trainedModel(f, await fitKind(f, 'logistic', 'multiclass'), 'multiclass', 'synth-logistic');
    const models: Record<string, Uint8Array> = {};
    INT8_LADDER.forEach((storage, i) => {
      models[`mlp-ladder-${i + 1}`] = exportModelOnnx(mlp, { quant: storage });
      models[`logistic-ladder-${i + 1}`] = exportModelOnnx(logistic, { quant: storage });
    });
    // Per-channel scales shared by an int8 bias (DequantizeLinear along axis 0): not a rung, still valid.
    models['mlp-channel-int8-bias'] = exportModelOnnx(mlp, {
      quant: { mode: 'int8-qdq', granularity: 'per-channel', bias: 'int8' },
    });
    models['mlp-dynamic'] = exportModelOnnx(mlp, { quant: 'int8-dynamic' });
    expectAccepted(models);
  });
});
