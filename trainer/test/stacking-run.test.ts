/**
 * Stacking in a training run: its meta-learner is fitted on the members' out-of-fold predictions of
 * the TRAINING rows only, it is scored on validation like the averaging ensemble, it can be chosen,
 * and the chosen stacking model exports (onnxruntime-web and -node agree with the trainer within
 * 1e-5 relative) and revives from the run folder.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { artifactContents } from '../src/artifact/build.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import { transformRecords } from '../src/preprocess/spec-pipeline.ts';
import { mulberry32 } from '../src/random.ts';
import { loadRunModel } from '../src/run/run-dir.ts';
import { runTraining, type TrainingRunResult } from '../src/run/run-training.ts';
import { StackingModel } from '../src/learners/stacking/model.ts';
import * as stacking from '../src/run/stacking.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { ortNode, ortWeb, runOnnx } from './export-fixtures.ts';
import { tempDir } from './helpers.ts';
import { regressionFixture } from './run-fixtures.ts';

vi.mock('../src/run/stacking.ts', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../src/run/stacking.ts')>();
  return { ...orig, outOfFold: vi.fn(orig.outOfFold) };
});

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
  vi.mocked(stacking.outOfFold).mockClear();
});
afterEach(() => tmp.cleanup());

/** Three classes by x1 + x2 with 5% label noise; x3 is noise. */
function multiclassSpec(dir: string): string {
  const rng = mulberry32(31);
  const lines = ['x1,x2,x3,kind'];
  for (let i = 0; i < 300; i++) {
    const x1 = Math.round(rng() * 1000) / 100;
    const x2 = Math.round(rng() * 1000) / 100;
    const s = x1 + x2;
    let kind = s < 8 ? 'lo' : s < 12 ? 'mid' : 'hi';
    if (rng() < 0.05) kind = ['lo', 'mid', 'hi'][Math.floor(rng() * 3)] as string;
    lines.push(`${x1},${x2},${Math.round(rng() * 100) / 10},${kind}`);
  }
  writeFileSync(join(dir, 'data.csv'), lines.join('\n') + '\n');
  const spec = join(dir, 'problem.yaml');
  writeFileSync(
    spec,
    `name: kinds
objective: Which kind is it?
task: multiclass
data:
  - csv: data.csv
target: kind
metric: accuracy
split:
  method: random
  test: 0.2
  validation: 0.2
seed: 4
candidates:
  logistic: { C: [1] }
  tree: { max_depth: [3, 5] }
`,
  );
  return spec;
}

async function exportAgrees(r: TrainingRunResult): Promise<void> {
  const t = r.trainedModel;
  const bytes = exportModelOnnx(t);
  const records = t.validation.records;
  const want = modelOutputs(t, records);
  for (const ort of [ortWeb, ortNode]) {
    const got = await runOnnx(ort, bytes, t.pipeline, records);
    const key = t.task === 'regression' ? 'prediction' : 'probabilities';
    const flat = want[key]!.flat();
    const floor = t.task === 'regression' ? 1e-6 : 1e-3;
    let worst = 0;
    flat.forEach(
      (w, i) => (worst = Math.max(worst, Math.abs((got[key]![i] as number) - w) / Math.max(Math.abs(w), floor))),
    );
    expect(worst).toBeLessThan(1e-5);
    if (t.task !== 'regression') expect(got.label).toEqual(want.label!.flat());
  }
}

describe('stacking in a training run', () => {
  it('fits its meta-learner on out-of-fold predictions of the training rows only; chosen, it exports and revives', async () => {
    // A heavily shrunk linear model and a GBDT: a re-weighted blend beats both and their average.
    const spec = loadSpec(
      regressionFixture(tmp.dir, {
        extra: 'candidates:\n  linear: { alpha: [300] }\n  gbdt: { max_iter: [20], min_samples_leaf: 5 }\n',
      }).spec,
    );
    const runDir = join(tmp.dir, 'run');
    const r = await runTraining(spec, { runDir, quick: true });

    // The meta-learner's rows: every training row exactly once; no validation row, no test row.
    const oofCalls = vi.mocked(stacking.outOfFold).mock.results.map((res) => res.value as stacking.OutOfFold);
    expect(oofCalls).toHaveLength(2); // the CV row and the validation row
    const train = [...r.split.train].sort((a, b) => a - b);
    for (const oof of oofCalls) {
      expect([...oof.rows].sort((a, b) => a - b)).toEqual(train);
      const validation = new Set(r.split.validation);
      expect(oof.rows.some((row) => validation.has(row))).toBe(false);
    }

    const rows = Object.fromEntries(r.validation.map((v) => [v.name, v]));
    expect(rows.stacking?.stack).toMatchObject({
      learner: 'nnls',
      link: 'identity',
      trainingRows: r.rows.train,
      folds: 3,
      extraFits: 0,
    });
    for (const w of rows.stacking?.stack?.weights.flat() ?? []) expect(w).toBeGreaterThanOrEqual(0);
    expect(rows.stacking?.score).toBeLessThan(rows.averaging?.score as number);
    expect(rows.stacking?.score).toBeLessThan(Math.min(rows.linear?.score as number, rows.gbdt?.score as number));
    expect(r.chosen).toMatchObject({ name: 'stacking', kind: 'stacking', validation: rows.stacking?.score });
    expect(r.chosen.cv?.folds).toHaveLength(3);
    const model = r.trainedModel.model as StackingModel;
    expect(model).toBeInstanceOf(StackingModel);
    expect(model.members.map((m) => m.kind)).toEqual(rows.stacking?.members);
    // The final model keeps the meta-learner fitted on the training rows' out-of-fold predictions.
    expect(model.toJSON().meta).toEqual({
      weights: rows.stacking?.stack?.weights,
      intercept: rows.stacking?.stack?.intercept,
    });

    await exportAgrees(r);
    const saved = loadRunModel(runDir);
    const x = transformRecords(saved.pipeline, r.trainedModel.validation.records);
    expect(Array.from(saved.model.predict(x))).toEqual(Array.from(model.predict(x)));
    // …and it ships: the artifact's golden examples are the stacking model's predictions.
    const { unsigned, files } = await artifactContents(r.trainedModel, {
      version: 1,
      parentVersion: null,
      createdAt: 0,
      measureLatency: false,
    });
    expect(files.map((f) => f.path)).toContain('model.onnx');
    expect(unsigned.trainer.algorithm).toBe('stacking');
    const golden = unsigned.golden[0];
    const want = modelOutputs(r.trainedModel, [golden!.inputs as never]).prediction![0]![0]!;
    // The shipped graph may carry int8 member weights: within the spec's quantization tolerance.
    expect(Math.abs((golden!.outputs.prediction?.[0] as number) - want) / Math.abs(want)).toBeLessThan(
      r.trainedModel.quantizationTolerance,
    );
  });

  it('multiclass: a softmax meta-learner over the members’ class probabilities, scored and exported like the rest', async () => {
    const r = await runTraining(loadSpec(multiclassSpec(tmp.dir)), { runDir: join(tmp.dir, 'run'), quick: true });
    const row = r.validation.find((v) => v.name === 'stacking');
    expect(row?.stack).toMatchObject({ learner: 'logistic', link: 'softmax', trainingRows: r.rows.train });
    expect(row?.stack?.weights).toHaveLength(2 * 3); // 2 members × 3 class probabilities
    expect(row?.stack?.weights.every((w) => w.length === 3)).toBe(true);
    expect(row?.score).toBeGreaterThan(0.75);
    expect(r.table.find((t) => t.name === 'stacking')?.method).toBe('stack');
    expect(r.tuning).toHaveLength(2);
    // Here stacking beats both members and their average on validation, so it is the model.
    expect(row?.score).toBeGreaterThan(
      Math.max(...r.validation.filter((v) => v.name !== 'stacking').map((v) => v.score)),
    );
    expect(r.chosen.name).toBe('stacking');
    const model = r.trainedModel.model as StackingModel;
    expect(model.meta.link).toBe('softmax');
    const p = model.predict(transformRecords(r.trainedModel.pipeline, r.trainedModel.validation.records.slice(0, 5)));
    for (let i = 0; i < 5; i++)
      expect((p[3 * i] as number) + (p[3 * i + 1] as number) + (p[3 * i + 2] as number)).toBeCloseTo(1, 12);
    await exportAgrees(r);
  });
});
