/**
 * Logistic regression and the MLP fitted on standardised inputs keep the standardisation explicit
 * (learners/standardize.ts): the saved form carries `standardize: { mean, std }` and the weights as learned;
 * the ONNX head applies Sub / Div before the first layer and agrees with the in-process model in
 * onnxruntime-web and -node within 1e-5 (float and int8, ensembles and stacking included), on a
 * design that is NOT scaled and spans large ranges (a feature × 1e4); a run's saved model revives
 * (new and old folded form); the .tflite input transform gets the standardisation as a final
 * `scale` step.
 */
import { describe, expect, it } from 'vitest';
import { INT8_LADDER } from '../src/artifact/int8-ladder.ts';
import type { Column } from '../src/data/dataset.ts';
import type { FittedModel, Learner, Task } from '../src/models/learner.ts';
import { logisticLearner } from '../src/models/logistic.ts';
import { mlpLearner } from '../src/models/mlp/mlp.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { decodeModel } from '../src/onnx/graph-builder.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import { fitSpecPipeline, transform } from '../src/preprocess/spec-pipeline.ts';
import { AveragingModel } from '../src/learners/averaging/model.ts';
import { foldedSaved, reviveModel } from '../src/learners/registry.ts';
import { stackFeatures, StackingModel } from '../src/learners/stacking/model.ts';
import { learnerByName } from '../src/run/candidates.ts';
import { reviveSaved, saveModel } from '../src/run/revive.ts';
import { fitStackMeta } from '../src/run/stacking.ts';
import { applyStandardisation, standardisation, standardized, StandardizedModel } from '../src/learners/standardize.ts';
import type { LogisticSaved, MlpSaved } from '../src/model/saved.ts';
import { CleaningStep, FeatureStep } from '../src/spec/steps.ts';
import { exportModelTflite, tfliteLayers } from '../src/tflite/export-tflite.ts';
import { onnxDenseLayers } from '../src/tflite/onnx-dense.ts';
import { fixture, ortNode, ortWeb, QUICK_PARAMS, runOnnx, trainedModel, type Fixture } from './export-fixtures.ts';
import { TrainerErrorCodes } from '../src/errors.ts';

/** The export fixture with `a` × 1e4 and no `scale` step: design columns from ~1 to ~1e6. */
function unscaledFixture(): Fixture {
  const f = fixture();
  const big = (v: unknown): unknown => (typeof v === 'number' ? v * 1e4 : v);
  const columns: Column[] = f.columns.map((c) =>
    c.name === 'a' && c.kind === 'numeric' ? { ...c, values: Float64Array.from(c.values, (v) => v * 1e4) } : c,
  );
  const { pipeline } = fitSpecPipeline({
    columns,
    rows: f.trainRows,
    cleaning: [CleaningStep.parse({ op: 'impute', columns: ['a'], strategy: 'median' })],
    features: [
      FeatureStep.parse({ op: 'ratio', name: 'a_per_b', numerator: 'a', denominator: 'b' }),
      FeatureStep.parse({ op: 'onehot', columns: ['color'] }),
    ],
  });
  const scaleRecord = <T extends Record<string, unknown>>(r: T): T => ({ ...r, ...('a' in r ? { a: big(r.a) } : {}) });
  return {
    ...f,
    columns,
    pipeline,
    x: transform(pipeline, columns, f.trainRows),
    trainRecords: f.trainRecords.map(scaleRecord),
    validation: f.validation.map(scaleRecord),
  };
}

const f = unscaledFixture();
const ctx = (task: Task, seed = 3): { task: Task; seed: number; classes: number } => ({
  task,
  seed,
  classes: task === 'multiclass' ? 3 : 2,
});

async function fitStd(kind: 'logistic' | 'mlp', task: Task, seed = 3): Promise<FittedModel> {
  const learner = standardized((kind === 'mlp' ? mlpLearner : logisticLearner) as unknown as Learner);
  return learner.fit(f.x, f.targets[task], QUICK_PARAMS[kind] ?? {}, ctx(task, seed));
}

/** |got − want| / max(|want|, floor). */
function maxRelError(got: readonly number[], want: readonly number[], floor: number): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(
      worst,
      Math.abs((got[i] as number) - (want[i] as number)) / Math.max(Math.abs(want[i] as number), floor),
    );
  return worst;
}

describe('standardized(learner)', () => {
  it('keeps μ / σ (float32) beside the weights as learned on (x − μ) / σ, and predicts raw rows with them', async () => {
    const widths = [];
    for (let j = 0; j < f.x.cols; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < f.x.rows; i++) {
        lo = Math.min(lo, f.x.data[i * f.x.cols + j] as number);
        hi = Math.max(hi, f.x.data[i * f.x.cols + j] as number);
      }
      widths.push(hi - lo);
    }
    expect(Math.max(...widths) / Math.min(...widths)).toBeGreaterThan(1e4); // the design is far from scaled
    const model = await fitStd('mlp', 'regression');
    expect(model).toBeInstanceOf(StandardizedModel);
    expect(model.kind).toBe('mlp');
    const json = model.toJSON() as MlpSaved & { standardize: { mean: number[]; std: number[] } };
    const s = standardisation(f.x);
    expect(json.standardize.mean).toEqual(Array.from(s.mean));
    expect(json.standardize.std).toEqual(Array.from(s.std));
    for (const v of [...json.standardize.mean, ...json.standardize.std]) expect(Math.fround(v)).toBe(v);
    // The weights are the plain learner's on the standardised design, same seed: not folded.
    const plain = await mlpLearner.fit(
      applyStandardisation(f.x, s),
      f.targets.regression,
      QUICK_PARAMS.mlp ?? {},
      ctx('regression'),
    );
    expect(json.layers[0]?.weights).toEqual((plain.toJSON() as { layers: { weights: number[] }[] }).layers[0]?.weights);
    expect(Array.from(model.predict(f.x))).toEqual(Array.from(plain.predict(applyStandardisation(f.x, s))));
    // The folded form computes the same function (up to rounding), with first-layer weights that
    // span many orders of magnitude — what int8 cannot hold.
    const folded = reviveModel(foldedSaved(json), 'regression');
    expect(maxRelError(Array.from(folded.predict(f.x)), Array.from(model.predict(f.x)), 1)).toBeLessThan(1e-4);
    const magnitudes = (w: readonly number[]): number => {
      const abs = w.map(Math.abs).filter((v) => v > 0);
      return Math.max(...abs) / Math.min(...abs);
    };
    const foldedFirst = (foldedSaved(json) as MlpSaved).layers[0]?.weights ?? [];
    // Per input row: the largest weight of each input, across inputs.
    const perInput = (w: readonly number[]): number[] =>
      Array.from({ length: f.x.cols }, (_, j) => Math.max(...w.slice(j * 16, (j + 1) * 16).map(Math.abs)));
    expect(magnitudes(perInput(foldedFirst))).toBeGreaterThan(1e3);
    expect(magnitudes(perInput(json.layers[0]?.weights ?? []))).toBeLessThan(1e2);
  });

  it('the run registry fits logistic and mlp standardised', async () => {
    for (const kind of ['logistic', 'mlp']) {
      const m = await learnerByName(kind).fit(f.x, f.targets.binary, QUICK_PARAMS[kind] ?? {}, ctx('binary'));
      expect(m).toBeInstanceOf(StandardizedModel);
      expect(m.toJSON()).toHaveProperty('standardize');
    }
  });
});

const CASES: [string, Task][] = [
  ['logistic', 'binary'],
  ['logistic', 'multiclass'],
  ['mlp', 'regression'],
  ['mlp', 'binary'],
  ['mlp', 'multiclass'],
  ['averaging', 'regression'],
  ['averaging', 'binary'],
  ['stacking', 'binary'],
  ['stacking', 'multiclass'],
];

async function fitCase(kind: string, task: Task): Promise<FittedModel> {
  if (kind === 'logistic' || kind === 'mlp') return fitStd(kind, task);
  const members =
    task === 'regression'
      ? [await fitStd('mlp', task), await fitStd('mlp', task, 4)]
      : [await fitStd('logistic', task), await fitStd('mlp', task)];
  if (kind === 'averaging') return new AveragingModel(members.map((model, i) => ({ model, weight: i + 1 })));
  const width = task === 'multiclass' ? 3 : 1;
  const meta = await fitStackMeta(
    task,
    stackFeatures(
      members.map((m) => m.predict(f.x)),
      f.x.rows,
      width,
    ),
    f.targets[task],
    ctx(task),
  );
  return new StackingModel(members, meta);
}

/** For each Sub node with a [1, width] constant: 'Sub→Div' when a Div by a [1, width] constant reads it. */
function standardisationNodes(bytes: Uint8Array): string[] {
  const graph = decodeModel(bytes).graph;
  const wide = new Set(
    (graph?.initializer ?? []).filter((t) => (t.dims ?? []).map(Number).join() === `1,${f.x.cols}`).map((t) => t.name),
  );
  const nodes = graph?.node ?? [];
  return nodes
    .filter((n) => n.opType === 'Sub' && wide.has(n.input?.[1] ?? ''))
    .map((sub) =>
      nodes.some((d) => d.opType === 'Div' && d.input?.[0] === sub.output?.[0] && wide.has(d.input?.[1] ?? ''))
        ? 'Sub→Div'
        : 'Sub',
    );
}

describe('ONNX export of standardised models (unscaled design, a feature × 1e4)', () => {
  it.each(CASES)(
    '%s (%s): Sub / Div before the first layer; web and node within 1e-5 of the trainer, float and int8 run',
    async (kind, task) => {
      const model = await fitCase(kind, task);
      const t = trainedModel(f, model, task);
      const bytes = exportModelOnnx(t);
      // One Sub ([1, width] means) then Div ([1, width] stds) per standardised member.
      expect(standardisationNodes(bytes)).toEqual(
        Array<string>(kind === 'logistic' || kind === 'mlp' ? 1 : 2).fill('Sub→Div'),
      );
      const want = modelOutputs(t, f.validation);
      for (const ort of [ortWeb, ortNode]) {
        const got = await runOnnx(ort, bytes, t.pipeline, f.validation);
        if (task === 'regression')
          expect(maxRelError(got.prediction as number[], want.prediction!.flat(), 1e-6)).toBeLessThan(1e-5);
        else {
          expect(got.label).toEqual(want.label!.flat());
          expect(maxRelError(got.probabilities as number[], want.probabilities!.flat(), 1e-3)).toBeLessThan(1e-5);
        }
      }
      // int8: the unfolded weights quantize, and the graph still runs with the same outputs' shape.
      const int8 = exportModelOnnx(t, { quant: INT8_LADDER[0] });
      expect(onnxDenseLayers(int8).some((l) => l.int8)).toBe(true);
      const q = await runOnnx(ortWeb, int8, t.pipeline, f.validation);
      const key = task === 'regression' ? 'prediction' : 'probabilities';
      expect(q[key]).toHaveLength((want[key] as number[][]).flat().length);
      // Measured: ≤ 0.9% (regression), ≤ 0.17 on probabilities judged against max(p, 0.1).
      expect(maxRelError(q[key] as number[], want[key]!.flat(), task === 'regression' ? 1e-6 : 1e-1)).toBeLessThan(
        task === 'regression' ? 0.03 : 0.25,
      );
    },
  );

  it('same model, same bytes (the Debian onnx checker runs in onnx-checker.system.test.ts)', async () => {
    const a = exportModelOnnx(trainedModel(f, await fitStd('mlp', 'regression'), 'regression'));
    const b = exportModelOnnx(trainedModel(f, await fitStd('mlp', 'regression'), 'regression'));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('a model saved in the older folded form (no standardize) exports as before: no Sub / Div of its own', async () => {
    const model = await fitStd('mlp', 'regression');
    const folded = reviveModel(foldedSaved(model.toJSON()), 'regression');
    const t = trainedModel(f, folded, 'regression');
    const bytes = exportModelOnnx(t);
    expect(standardisationNodes(bytes)).toEqual([]);
    const want = modelOutputs(t, f.validation).prediction!.flat();
    const got = (await runOnnx(ortWeb, bytes, t.pipeline, f.validation)).prediction as number[];
    // The folded graph cancels large terms in float32: agreement is coarser than the explicit form.
    expect(maxRelError(got, want, 1)).toBeLessThan(1e-3);
  });
});

describe('revive', () => {
  it.each([
    ['logistic', 'multiclass'],
    ['mlp', 'regression'],
    ['mlp', 'binary'],
  ] as ['logistic' | 'mlp', Task][])('%s (%s): saved with standardize, revived exactly', async (kind, task) => {
    const model = await fitStd(kind, task);
    const saved = JSON.parse(JSON.stringify(saveModel(model, task))) as ReturnType<typeof saveModel>;
    expect(saved.model).toHaveProperty('standardize');
    const revived = reviveSaved(saved);
    expect(revived).toBeInstanceOf(StandardizedModel);
    expect(revived.kind).toBe(kind);
    expect(Array.from(revived.predict(f.x))).toEqual(Array.from(model.predict(f.x)));
    expect(JSON.parse(JSON.stringify(revived.toJSON()))).toEqual(saved.model);
    // The old folded form (no standardize) still revives, as a model of the raw design.
    const old = reviveModel(foldedSaved(saved.model), task);
    expect(old).not.toBeInstanceOf(StandardizedModel);
    expect(maxRelError(Array.from(old.predict(f.x)), Array.from(model.predict(f.x)), 1e-3)).toBeLessThan(1e-4);
  });

  it('an ensemble with standardised members revives member by member', async () => {
    const model = await fitCase('stacking', 'binary');
    const revived = reviveSaved(JSON.parse(JSON.stringify(saveModel(model, 'binary'))) as ReturnType<typeof saveModel>);
    expect(Array.from(revived.predict(f.x))).toEqual(Array.from(model.predict(f.x)));
  });

  it('a malformed standardize is refused with RUN_MODEL_UNKNOWN', async () => {
    const json = (await fitStd('logistic', 'binary')).toJSON();
    expect(() => reviveModel({ ...(json as LogisticSaved), standardize: { mean: [1], std: [0] } }, 'binary')).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.RUN_MODEL_UNKNOWN }),
    );
  });
});

describe('TFLite of a standardised model', () => {
  it('keeps the weights as learned and appends the standardisation as a scale step to the input transform', async () => {
    const model = await fitStd('mlp', 'regression');
    const json = model.toJSON() as { standardize: { mean: number[]; std: number[] }; layers: { weights: number[] }[] };
    const layers = tfliteLayers(model.toJSON());
    expect(layers[0]?.weights).toEqual(json.layers[0]?.weights);
    const bytes = exportModelTflite(trainedModel(f, model, 'regression'));
    const text = new TextDecoder().decode(bytes);
    const start = text.indexOf('{"format":"outpost-input-transform/1"');
    expect(start).toBeGreaterThanOrEqual(0);
    let depth = 0;
    let end = start;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      if (text[end] === '}' && --depth === 0) break;
    }
    const transform = JSON.parse(text.slice(start, end + 1)) as {
      pipeline: { steps: { op: string; mean?: number[]; std?: number[] }[] };
    };
    const steps = transform.pipeline.steps;
    expect(steps.filter((s) => s.op === 'scale')).toHaveLength(1);
    expect(steps.at(-1)).toEqual({ op: 'scale', mean: json.standardize.mean, std: json.standardize.std });
    expect(steps.slice(0, -1)).toEqual(JSON.parse(JSON.stringify(f.pipeline.steps)));
  });
});
