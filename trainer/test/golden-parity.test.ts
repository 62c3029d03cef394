/**
 * artifact/goldens.ts: an artifact's golden outputs are the trainer's in-process model's, and a
 * build whose exported bytes compute something else fails with ARTIFACT_GOLDEN_MISMATCH (and writes
 * nothing). A "wrong export" is made the way an exporter bug would look: a model whose `toJSON` (what
 * the exporter reads) differs from what its `predict` (the trainer) computes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, type SigningKeyPair } from '@outpost/protocol';
import { buildArtifact } from '../src/artifact/build.ts';
import { goldenInputRecords } from '../src/artifact/golden-records.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import type { FittedModel } from '../src/models/learner.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import type { TrainedModel } from '../src/run/trained-model.ts';
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
