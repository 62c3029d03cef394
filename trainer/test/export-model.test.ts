/**
 * onnx/export-model.ts: the graph's interface (inputs, outputs, opsets, no ZipMap), the documented
 * behaviour for missing numbers and unseen categories in both runtimes, and coded errors.
 */
import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { decodeModel } from '../src/onnx/graph-builder.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import type { FittedModel } from '../src/models/learner.ts';
import type { RawRecord } from '../src/run/trained-model.ts';
import { UNSEEN, fitKind, fixture, ortNode, ortWeb, runOnnx, trainedModel } from './export-fixtures.ts';
import { codeOf } from './helpers.ts';

const f = fixture(300);


describe('exportModelOnnx', () => {
  it('declares raw inputs and plain-tensor outputs, never ZipMap', async () => {
    const t = trainedModel(f, await fitKind(f, 'forest', 'binary'), 'binary');
    const m = decodeModel(exportModelOnnx(t));
    const g = m.graph!;
    expect(g.input?.map((i) => [i.name, i.type?.tensorType?.elemType])).toEqual([['a', 1], ['b', 1], ['c', 1], ['color', 8]]);
    expect(g.output?.map((o) => [o.name, o.type?.tensorType?.elemType, o.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue))])).toEqual([
      ['label', 7, ['N']], ['probabilities', 1, ['N', 2]],
    ]);
    expect(g.node?.some((n) => n.opType === 'ZipMap')).toBe(false);
    expect(g.node?.filter((n) => n.opType === 'TreeEnsembleRegressor')).toHaveLength(1);
    expect(m.opsetImport?.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17], ['ai.onnx.ml', 3]]);
    expect(Number(m.irVersion)).toBe(8);
  });

  it('is deterministic: the same model gives the same bytes', async () => {
    const t = trainedModel(f, await fitKind(f, 'mlp', 'multiclass'), 'multiclass');
    expect(Buffer.from(exportModelOnnx(t)).equals(Buffer.from(exportModelOnnx(t)))).toBe(true);
  });

  it('imputes missing numbers and encodes unseen / missing categories as all zeros, identically in both runtimes', async () => {
    const median = f.pipeline.steps.find((s) => s.op === 'impute' && s.column === 'a');
    expect(median?.op).toBe('impute');
    const fill = (median as { fill: number }).fill;
    const pairs: [RawRecord, RawRecord][] = [
      [{ a: null, b: 2, c: 1, color: 'red' }, { a: fill, b: 2, c: 1, color: 'red' }],
      [{ a: NaN, b: 2, c: 1, color: 'red' }, { a: fill, b: 2, c: 1, color: 'red' }],
      [{ a: Infinity, b: 2, c: 1, color: 'red' }, { a: fill, b: 2, c: 1, color: 'red' }],
      [{ a: 30, b: 2, c: 1, color: UNSEEN }, { a: 30, b: 2, c: 1, color: null }],
      [{ a: 30, b: 2, c: 1, color: '' }, { a: 30, b: 2, c: 1 }],
    ];
    const recs = pairs.flat();
    for (const [kind, task] of [['linear', 'regression'], ['gbdt', 'binary']] as const) {
      const t = trainedModel(f, await fitKind(f, kind, task), task);
      const bytes = exportModelOnnx(t);
      const want = modelOutputs(t, recs);
      const key = task === 'regression' ? 'prediction' : 'probabilities';
      const web = await runOnnx(ortWeb, bytes, t.pipeline, recs);
      const node = await runOnnx(ortNode, bytes, t.pipeline, recs);
      expect(web[key]).toEqual(node[key]);
      const width = task === 'regression' ? 1 : 2;
      for (let p = 0; p < pairs.length; p++) {
        expect((web[key] as number[]).slice(2 * p * width, (2 * p + 1) * width)).toEqual((web[key] as number[]).slice((2 * p + 1) * width, (2 * p + 2) * width));
        expect(want[key]?.[2 * p]).toEqual(want[key]?.[2 * p + 1]);
      }
      if (kind !== 'linear') continue;
      // Linear: every category has its own weight, so the all-zero block differs from each known one.
      const known = modelOutputs(t, [{ a: 30, b: 2, c: 1, color: 'red' }, { a: 30, b: 2, c: 1, color: 'green' }, { a: 30, b: 2, c: 1, color: 'blue' }]);
      for (const row of known[key] ?? []) expect(row).not.toEqual(want[key]?.[6]);
    }
  });

  it('rejects a learner it cannot export and a model that does not fit the design', async () => {
    const odd: FittedModel = { kind: 'svm', predict: () => new Float64Array(), toJSON: () => ({}) };
    expect(codeOf(() => exportModelOnnx(trainedModel(f, odd, 'regression')))).toBe(TrainerErrorCodes.ONNX_EXPORT_UNSUPPORTED);
    const narrow: FittedModel = { kind: 'linear', predict: () => new Float64Array(), toJSON: () => ({ weights: [1, 2], intercept: 0 }) };
    expect(codeOf(() => exportModelOnnx(trainedModel(f, narrow, 'regression')))).toBe(TrainerErrorCodes.ONNX_GRAPH_INVALID);
    const multi = trainedModel(f, await fitKind(f, 'logistic', 'multiclass'), 'multiclass');
    expect(codeOf(() => exportModelOnnx({ ...multi, classes: undefined }))).toBe(TrainerErrorCodes.ONNX_GRAPH_INVALID);
  });
});
