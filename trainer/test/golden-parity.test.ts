/**
 * artifact/goldens.ts: an artifact's golden outputs are the trainer's in-process model's, and a
 * build whose exported bytes compute something else fails with ARTIFACT_GOLDEN_MISMATCH (and writes
 * nothing). A "wrong export" is made the way an exporter bug would look: a model whose `toJSON` (what
 * the exporter reads) differs from what its `predict` (the trainer) computes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, type SigningKeyPair } from '@outpost/protocol';
import { buildArtifact } from '../src/artifact/build.ts';
import { goldenInputRecords } from '../src/artifact/golden-records.ts';
import { SMOKE_ATOL, SMOKE_RTOL } from '../src/artifact/goldens.ts';
import { runInOrtWeb } from '../src/artifact/ort-runner.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import type { FittedModel } from '../src/models/learner.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import type { TrainedModel } from '../src/model/trained-model.ts';
import { fitKind, fixture, trainedModel, type Fixture } from './export-fixtures.ts';
import { tempDir } from './helpers.ts';

const NOW = Date.UTC(2024, 0, 2);
const tmp = tempDir('outpost-golden-');
afterAll(() => tmp.cleanup());

let keys: SigningKeyPair;
let f: Fixture;

beforeAll(() => {
  keys = generateSigningKeyPair();
  f = fixture(300);
});

/** `model` as the trainer sees it, but exported from `json` (what a buggy exporter would write). */
function exportsAs(model: FittedModel, json: unknown): FittedModel {
  return { kind: model.kind, predict: (x) => model.predict(x), toJSON: () => json } as FittedModel;
}

describe('golden examples come from the in-process model', () => {
  it('a float build records the in-process outputs exactly (not the float32 runtime outputs)', async () => {
    const t = trainedModel(f, await fitKind(f, 'gbdt', 'regression'), 'regression', 'golden-gbdt');
    const built = await buildArtifact(t, { outRoot: join(tmp.dir, 'ok'), keys, now: NOW, measureLatency: false });
    expect(built.report.ship).toBe('float');
    const records = goldenInputRecords(t.trainRecords, t.inputs, 8);
    expect(built.manifest.golden.map((g) => g.inputs)).toEqual(records);
    const want = modelOutputs(t, records);
    expect(built.manifest.golden.map((g) => g.outputs.prediction)).toEqual(want.prediction);
  });

  it('a row whose float32 output cancels to near 0 is replaced by a spare, so every golden passes the device rule', async () => {
    // A linear model shifted so that the first golden row predicts 5e-5 in float64: its float32 graph
    // sums terms of hundreds (ulp ≈ 1e-4) and lands ~5e-5 away — within the parity bound, outside
    // the device's smoke-test rule (1e-6 + 1e-4·|expected|), which would refuse a correct model.
    const base = await fitKind(f, 'linear', 'regression');
    const json = base.toJSON() as { weights: number[]; intercept: number };
    const first = goldenInputRecords(f.trainRecords, trainedModel(f, base, 'regression').inputs, 8);
    const p0 = modelOutputs(trainedModel(f, base, 'regression'), first.slice(0, 1)).prediction?.[0]?.[0] as number;
    const shifted = {
      kind: 'linear',
      predict: (x) => base.predict(x).map((v) => v - p0 + 5e-5),
      toJSON: () => ({ ...json, intercept: json.intercept - p0 + 5e-5 }),
    } as FittedModel;
    const t = trainedModel(f, shifted, 'regression', 'golden-cancel');
    const built = await buildArtifact(t, { outRoot: join(tmp.dir, 'cancel'), keys, now: NOW, measureLatency: false });
    expect(built.report.ship).toBe('float');
    const golden = built.manifest.golden;
    expect(golden).toHaveLength(first.length);
    expect(golden.map((g) => g.inputs)).not.toContainEqual(first[0]);
    const others = first.filter((r) => JSON.stringify(r) !== JSON.stringify(first[0]));
    expect(golden.map((g) => g.inputs)).toEqual(expect.arrayContaining(others));
    const records = golden.map((g) => g.inputs);
    expect(golden.map((g) => g.outputs.prediction)).toEqual(modelOutputs(t, records).prediction);
    const got =
      (await runInOrtWeb(readFileSync(join(built.artifactDir, 'model.onnx')), t.inputs, records)).prediction ?? [];
    golden.forEach((g, i) => {
      const want = g.outputs.prediction?.[0] as number;
      expect(Math.abs((got[i] as number) - want)).toBeLessThanOrEqual(SMOKE_ATOL + SMOKE_RTOL * Math.abs(want));
    });
  });

  it('a wrong regression export (one weight of the linear head off by 10%) fails the build with GOLDEN_MISMATCH', async () => {
    const model = await fitKind(f, 'linear', 'regression');
    const json = model.toJSON() as { weights: number[]; intercept: number };
    const wrong = { ...json, weights: json.weights.map((w, i) => (i === 0 ? w * 1.1 : w)) };
    const t: TrainedModel = trainedModel(f, exportsAs(model, wrong), 'regression', 'golden-wrong-linear');
    const outRoot = join(tmp.dir, 'wrong-linear');
    await expect(buildArtifact(t, { outRoot, keys, now: NOW, measureLatency: false })).rejects.toMatchObject({
      code: TrainerErrorCodes.ARTIFACT_GOLDEN_MISMATCH,
      details: { output: 'prediction' },
    });
    expect(existsSync(join(outRoot, 'golden-wrong-linear'))).toBe(false);
  });

  it('a wrong classification export (swapped class columns of the logistic head) fails the build with GOLDEN_MISMATCH', async () => {
    const model = await fitKind(f, 'logistic', 'multiclass');
    const json = model.toJSON() as { weights: number[][]; intercept: number[] };
    const swap = (row: number[]): number[] => [row[1] as number, row[0] as number, ...row.slice(2)];
    const wrong = { ...json, weights: json.weights.map(swap), intercept: swap(json.intercept) };
    const t = trainedModel(f, exportsAs(model, wrong), 'multiclass', 'golden-wrong-logistic');
    await expect(
      buildArtifact(t, { outRoot: join(tmp.dir, 'wrong-logistic'), keys, now: NOW, measureLatency: false }),
    ).rejects.toMatchObject({ code: TrainerErrorCodes.ARTIFACT_GOLDEN_MISMATCH });
  });
});
