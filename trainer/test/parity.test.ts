/**
 * Export parity (docs/ARCHITECTURE.md "Artifact"): every learner's exported model, run in onnxruntime-web and
 * onnxruntime-node on 200 raw validation records (nulls, NaN, ±∞, an unseen category), gives the
 * in-process predictions within 1e-5 relative and exactly the same labels (Debian's onnx checker
 * runs on the same models in onnx-checker.system.test.ts). Ensembles: averaging, and stacking (members → Concat → MatMul + Add
 * → [σ(−z), σ(z)] / Softmax) for each task.
 */
import { describe, expect, it } from 'vitest';
import type { Task } from '../src/models/learner.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import { fitKind, fixture, ortNode, ortWeb, runOnnx, trainedModel } from './export-fixtures.ts';
import { fitStacking } from './stacking-fixtures.ts';

const CASES: [string, Task][] = [
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

/** |got − want| / max(|want|, floor): relative, with a floor so values near 0 are not over-judged. */
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

const f = fixture();

describe('exported models agree with the trainer in onnxruntime-web and onnxruntime-node', () => {
  it.each(CASES)('%s (%s)', async (kind, task) => {
    const model = kind === 'stacking' ? await fitStacking(f, task) : await fitKind(f, kind, task);
    const t = trainedModel(f, model, task);
    const bytes = exportModelOnnx(t);
    const want = modelOutputs(t, f.validation);
    for (const ort of [ortWeb, ortNode]) {
      const got = await runOnnx(ort, bytes, t.pipeline, f.validation);
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      if (task === 'regression') {
        expect(maxRelError(got.prediction as number[], want.prediction!.flat(), 1e-6)).toBeLessThan(1e-5);
      } else {
        expect(got.label).toEqual(want.label!.flat());
        // Probabilities: relative, with values below 1e-3 judged against 1e-3 (float32 softmax tails).
        expect(maxRelError(got.probabilities as number[], want.probabilities!.flat(), 1e-3)).toBeLessThan(1e-5);
      }
    }
  });
});
