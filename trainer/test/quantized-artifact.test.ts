/**
 * int8 artifacts (docs/ARCHITECTURE.md "Artifact"): an MLP artifact ships int8 weights (the first storage of INT8_LADDER
 * that passes) when its validation metric (in onnxruntime-web) stays within the spec tolerance, with
 * the float model beside it; a linear model ships float because int8 is not smaller; tolerance 0 on a contrived target ships float; trees ship
 * float with the compaction figures. Golden outputs are the shipped model's and pass the device's
 * smoke-test rule (rtol 1e-4, atol 1e-6, device/src/smoke-test.ts) in onnxruntime-web.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, type Manifest, type SigningKeyPair } from '@outpost/protocol';
import { buildArtifact } from '../src/artifact/build.ts';
import { describeInt8, INT8_LADDER } from '../src/artifact/int8-ladder.ts';
import { runInOrtWeb } from '../src/artifact/ort-runner.ts';
import { mlpLearner } from '../src/models/mlp/mlp.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import { metricAt } from '../src/run/threshold.ts';
import type { TrainedModel } from '../src/model/trained-model.ts';
import { fitKind, fixture, trainedModel, type Fixture } from './export-fixtures.ts';
import { tempDir } from './helpers.ts';

const NOW = Date.UTC(2024, 0, 2);
const tmp = tempDir('outpost-quant-');
afterAll(() => tmp.cleanup());

let keys: SigningKeyPair;
let f: Fixture;
let mlp: TrainedModel;

/** The fixture's first 200 training rows as validation rows, with real targets. */
function withValidation(t: TrainedModel, y: Float64Array): TrainedModel {
  return { ...t, validation: { records: f.trainRecords.slice(0, 200), y: y.slice(0, 200) } };
}

beforeAll(async () => {
  keys = generateSigningKeyPair();
  f = fixture(400);
  const model = await mlpLearner.fit(
    f.x,
    f.targets.regression,
    { hidden_layer_sizes: [64, 64], max_iter: 40, early_stopping: false },
    { task: 'regression', seed: 3 },
  );
  mlp = withValidation(trainedModel(f, model, 'regression', 'synth-mlp'), f.targets.regression);
});

const metric = (m: Manifest, key: string): number => {
  const v = m.metrics[key]?.value;
  expect(v, key).toBeTypeOf('number');
  return v as number;
};

/** The ONNX and card files (model.tflite, when written, is tflite/artifact-tflite.ts's business). */
const modelAndCard = (m: Manifest): [string, string][] =>
  m.files.filter((x) => x.role !== 'model-tflite').map((x) => [x.path, x.role]);

/** The device's smoke-test rule (device/src/smoke-test.ts). */
const closeEnough = (actual: number, expected: number): boolean =>
  Math.abs(actual - expected) <= 1e-6 + 1e-4 * Math.abs(expected);

describe('quantized artifacts', () => {
  it('an MLP ships int8 (model.onnx) with model-float.onnx beside it when within tolerance', async () => {
    const built = await buildArtifact(mlp, { outRoot: join(tmp.dir, 'mlp'), keys, now: NOW, measureLatency: false });
    const m = built.manifest;
    expect(modelAndCard(m)).toEqual([
      ['model.onnx', 'model'],
      ['model-float.onnx', 'model-float'],
      ['card.md', 'card'],
    ]);
    const floatSize = metric(m, 'size_bytes_float');
    const int8Size = metric(m, 'size_bytes_int8');
    expect(m.files.find((x) => x.path === 'model.onnx')?.bytes).toBe(int8Size);
    expect(m.files.find((x) => x.path === 'model-float.onnx')?.bytes).toBe(floatSize);
    expect(int8Size / floatSize).toBeLessThan(0.5);
    const floatRmse = metric(m, 'quant_check_rmse_float');
    const int8Rmse = metric(m, 'quant_check_rmse_int8');
    expect((int8Rmse - floatRmse) / floatRmse).toBeLessThanOrEqual(0.01);
    expect(built.report).toMatchObject({ family: 'dense', ship: 'int8', metric: 'rmse', int8Storage: INT8_LADDER[0] });
    expect(built.report.float.latencyUs).toBeUndefined();
    expect(readFileSync(join(built.artifactDir, 'card.md'), 'utf8')).toContain(
      '`model.onnx` has int8 weights (QDQ, per-tensor scales, int8 biases)',
    );

    // Golden outputs are the int8 model's: they pass the device rule on the shipped bytes in
    // onnxruntime-web, while the in-process float outputs differ from them by more than that rule.
    const shipped = readFileSync(join(built.artifactDir, 'model.onnx'));
    const records = m.golden.map((g) => g.inputs);
    const got = (await runInOrtWeb(shipped, m.inputs, records)).prediction ?? [];
    const floatWant = modelOutputs(mlp, records).prediction ?? [];
    expect(got).toHaveLength(records.length);
    m.golden.forEach((g, i) =>
      expect(closeEnough(got[i] as number, g.outputs.prediction?.[0] as number), `golden ${i}`).toBe(true),
    );
    expect(
      m.golden.some((g, i) => !closeEnough(floatWant[i]?.[0] as number, g.outputs.prediction?.[0] as number)),
    ).toBe(true);
  });

  it('a linear model ships float because int8 is not smaller, and the card says why', async () => {
    const model = await fitKind(f, 'linear', 'regression');
    const t = withValidation(trainedModel(f, model, 'regression', 'synth-linear'), f.targets.regression);
    const built = await buildArtifact(t, {
      outRoot: join(tmp.dir, 'linear'),
      keys,
      now: NOW,
      measureLatency: async () => 12.5,
    });
    const m = built.manifest;
    expect(modelAndCard(m).map(([path]) => path)).toEqual(['model.onnx', 'card.md']);
    expect(metric(m, 'size_bytes_int8')).toBeGreaterThanOrEqual(metric(m, 'size_bytes_float'));
    expect(built.report.ship).toBe('float');
    expect(built.report.reason).toContain('not smaller');
    // Latencies are in the (unsigned) report only, never in the signed manifest.
    expect(built.report.float.latencyUs).toBe(12.5);
    expect(built.report.int8?.latencyUs).toBe(12.5);
    expect(Object.keys(m.metrics).some((k) => k.includes('latency'))).toBe(false);
    const card = readFileSync(join(built.artifactDir, 'card.md'), 'utf8');
    expect(card).toMatch(
      /The float model ships, not int8: int8 artifact \(\d+ B\) is not smaller than float \(\d+ B\)/,
    );
  });

  it('tolerance 0 on a target the float model fits exactly ships float, with the numbers in the card', async () => {
    const exact = Float64Array.from(modelOutputs(mlp, f.trainRecords).prediction ?? [], (row) => row[0] as number);
    const t = { ...withValidation(mlp, exact), name: 'synth-strict', quantizationTolerance: 0 };
    const built = await buildArtifact(t, { outRoot: join(tmp.dir, 'strict'), keys, now: NOW, measureLatency: false });
    expect(modelAndCard(built.manifest).map(([path]) => path)).toEqual(['model.onnx', 'card.md']);
    expect(built.report.ship).toBe('float');
    expect(built.report.reason).toContain('over the 0.000% tolerance');
    // Every storage of the ladder was judged (and missed); the report shows the last, most accurate.
    expect(built.report.int8Storage).toEqual(INT8_LADDER[INT8_LADDER.length - 1]);
    expect(metric(built.manifest, 'quant_check_rmse_int8')).toBeGreaterThan(
      metric(built.manifest, 'quant_check_rmse_float'),
    );
    expect(readFileSync(join(built.artifactDir, 'card.md'), 'utf8')).toContain(
      'The float model ships, not int8: int8 moves output prediction by up to',
    );
  });

  it('walks the int8 ladder: the first storage within the tolerance ships', async () => {
    // Targets the float model fits (up to float32 rounding): the RMSE measures quantization noise.
    const exact = Float64Array.from(modelOutputs(mlp, f.trainRecords).prediction ?? [], (row) => row[0] as number);
    const fitted = withValidation(mlp, exact);
    const { records, y } = fitted.validation;
    const rmse = metricAt('rmse').fn;
    const score = async (quant?: (typeof INT8_LADDER)[number]): Promise<number> =>
      rmse(
        y,
        (await runInOrtWeb(exportModelOnnx(fitted, quant ? { quant } : {}), fitted.inputs, records)).prediction ?? [],
      );
    const float = await score();
    const losses: number[] = [];
    for (const storage of INT8_LADDER) losses.push((await score(storage)) / float - 1);
    // Per-channel scales with float16 biases lose the least (the smaller steps trade accuracy for bytes).
    expect(Math.min(...losses)).toBe(losses[2]);
    const sorted = [...losses].sort((a, b) => a - b);
    // Between the losses: the first storage of the ladder whose loss is within the tolerance ships.
    for (const [k, tolerance] of [
      (sorted[0] as number) / 2,
      ((sorted[0] as number) + (sorted[1] as number)) / 2,
      ((sorted[1] as number) + (sorted[2] as number)) / 2,
    ].entries()) {
      const step = losses.findIndex((l) => l <= tolerance);
      const t = { ...fitted, name: `synth-ladder-${k}`, quantizationTolerance: tolerance };
      const built = await buildArtifact(t, {
        outRoot: join(tmp.dir, `ladder-${k}`),
        keys,
        now: NOW,
        measureLatency: false,
      });
      const card = readFileSync(join(built.artifactDir, 'card.md'), 'utf8');
      if (step < 0) {
        expect(built.report).toMatchObject({ ship: 'float', int8Storage: INT8_LADDER[INT8_LADDER.length - 1] });
        continue;
      }
      const storage = INT8_LADDER[step] as (typeof INT8_LADDER)[number];
      expect(built.report).toMatchObject({ ship: 'int8', int8Storage: storage });
      expect((built.report.int8?.metric as number) / float - 1).toBeCloseTo(losses[step] as number, 6);
      expect(built.manifest.files.find((x) => x.path === 'model.onnx')?.bytes).toBe(built.report.int8?.bytes);
      expect(card).toContain(`has int8 weights (QDQ, ${describeInt8(storage)})`);
    }
  });

  it('a tree model ships float with its size, metric and compaction figures; latency measured in onnxruntime-web', async () => {
    const model = await fitKind(f, 'forest', 'regression');
    const t = withValidation(trainedModel(f, model, 'regression', 'synth-forest'), f.targets.regression);
    const built = await buildArtifact(t, { outRoot: join(tmp.dir, 'forest'), keys, now: NOW });
    const m = built.manifest;
    expect(modelAndCard(m).map(([path]) => path)).toEqual(['model.onnx', 'card.md']);
    expect(m.metrics.size_bytes_int8).toBeUndefined();
    expect(metric(m, 'size_bytes_float')).toBe(m.files[0]?.bytes);
    expect(metric(m, 'tree_nodes')).toBeLessThanOrEqual(metric(m, 'tree_nodes_uncompacted'));
    expect(Number.isFinite(metric(m, 'quant_check_rmse_float'))).toBe(true);
    expect(built.report.family).toBe('trees');
    expect(built.report.float.latencyUs).toBeGreaterThan(0);
  });
});
