/**
 * onnx/export-model.ts: the graph's interface (inputs, outputs, opsets, no ZipMap), the documented
 * behaviour for missing numbers and unseen categories in both runtimes, and coded errors.
 */
import type { StackingSaved } from '../src/model/saved.ts';
import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { decodeModel } from '../src/onnx/graph-builder.ts';
import { exportModelOnnx } from '../src/onnx/export-model.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import type { FittedModel } from '../src/models/learner.ts';
import type { RawRecord } from '../src/model/trained-model.ts';
import { UNSEEN, fitKind, fixture, ortNode, ortWeb, runOnnx, trainedModel } from './export-fixtures.ts';
import { codeOf } from './helpers.ts';
import { fitStacking } from './stacking-fixtures.ts';

const f = fixture(300);

describe('exportModelOnnx', () => {
  it('declares raw inputs and plain-tensor outputs, never ZipMap', async () => {
    const t = trainedModel(f, await fitKind(f, 'forest', 'binary'), 'binary');
    const m = decodeModel(exportModelOnnx(t));
    const g = m.graph!;
    expect(g.input?.map((i) => [i.name, i.type?.tensorType?.elemType])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['color', 8],
    ]);
    expect(
      g.output?.map((o) => [
        o.name,
        o.type?.tensorType?.elemType,
        o.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue)),
      ]),
    ).toEqual([
      ['label', 7, ['N']],
      ['probabilities', 1, ['N', 2]],
    ]);
    expect(g.node?.some((n) => n.opType === 'ZipMap')).toBe(false);
    expect(g.node?.filter((n) => n.opType === 'TreeEnsembleRegressor')).toHaveLength(1);
    expect(m.opsetImport?.map((o) => [o.domain, Number(o.version)])).toEqual([
      ['', 17],
      ['ai.onnx.ml', 3],
    ]);
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
      [
        { a: null, b: 2, c: 1, color: 'red' },
        { a: fill, b: 2, c: 1, color: 'red' },
      ],
      [
        { a: NaN, b: 2, c: 1, color: 'red' },
        { a: fill, b: 2, c: 1, color: 'red' },
      ],
      [
        { a: Infinity, b: 2, c: 1, color: 'red' },
        { a: fill, b: 2, c: 1, color: 'red' },
      ],
      [
        { a: 30, b: 2, c: 1, color: UNSEEN },
        { a: 30, b: 2, c: 1, color: null },
      ],
      [
        { a: 30, b: 2, c: 1, color: '' },
        { a: 30, b: 2, c: 1 },
      ],
    ];
    const recs = pairs.flat();
    for (const [kind, task] of [
      ['linear', 'regression'],
      ['gbdt', 'binary'],
    ] as const) {
      const t = trainedModel(f, await fitKind(f, kind, task), task);
      const bytes = exportModelOnnx(t);
      const want = modelOutputs(t, recs);
      const key = task === 'regression' ? 'prediction' : 'probabilities';
      const web = await runOnnx(ortWeb, bytes, t.pipeline, recs);
      const node = await runOnnx(ortNode, bytes, t.pipeline, recs);
      expect(web[key]).toEqual(node[key]);
      const width = task === 'regression' ? 1 : 2;
      for (let p = 0; p < pairs.length; p++) {
        expect((web[key] as number[]).slice(2 * p * width, (2 * p + 1) * width)).toEqual(
          (web[key] as number[]).slice((2 * p + 1) * width, (2 * p + 2) * width),
        );
        expect(want[key]?.[2 * p]).toEqual(want[key]?.[2 * p + 1]);
      }
      if (kind !== 'linear') continue;
      // Linear: every category has its own weight, so the all-zero block differs from each known one.
      const known = modelOutputs(t, [
        { a: 30, b: 2, c: 1, color: 'red' },
        { a: 30, b: 2, c: 1, color: 'green' },
        { a: 30, b: 2, c: 1, color: 'blue' },
      ]);
      for (const row of known[key] ?? []) expect(row).not.toEqual(want[key]?.[6]);
    }
  });

  it('rejects a learner it cannot export and a model that does not fit the design', async () => {
    const odd = {
      kind: 'svm',
      predict: () => new Float64Array(),
      toJSON: () => ({ kind: 'svm' }),
    } as unknown as FittedModel;
    expect(codeOf(() => exportModelOnnx(trainedModel(f, odd, 'regression')))).toBe(
      TrainerErrorCodes.ONNX_EXPORT_UNSUPPORTED,
    );
    const narrow: FittedModel = {
      kind: 'linear',
      predict: () => new Float64Array(),
      toJSON: () => ({ kind: 'linear', weights: [1, 2], intercept: 0 }),
    };
    expect(codeOf(() => exportModelOnnx(trainedModel(f, narrow, 'regression')))).toBe(
      TrainerErrorCodes.ONNX_GRAPH_INVALID,
    );
    const multi = trainedModel(f, await fitKind(f, 'logistic', 'multiclass'), 'multiclass');
    expect(codeOf(() => exportModelOnnx({ ...multi, classes: undefined }))).toBe(TrainerErrorCodes.ONNX_GRAPH_INVALID);
  });

  it('writes a stacking ensemble as graph nodes: members → Concat → MatMul + Add → [σ(−z), σ(z)], float meta weights', async () => {
    type Graph = NonNullable<ReturnType<typeof decodeModel>['graph']>;
    /** The meta layer: a MatMul fed by a Concat of one input per member, its weights and the Add after it. */
    const metaLayer = (g: Graph, members: number) => {
      const producer = new Map((g.node ?? []).flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
      const init = new Map((g.initializer ?? []).map((i) => [i.name, i]));
      const matmul = (g.node ?? []).find(
        (n) =>
          n.opType === 'MatMul' &&
          producer.get(n.input?.[0] ?? '')?.opType === 'Concat' &&
          producer.get(n.input?.[0] ?? '')?.input?.length === members,
      );
      const add = (g.node ?? []).find((n) => n.opType === 'Add' && n.input?.[0] === matmul?.output?.[0]);
      return { matmul, add, w: init.get(matmul?.input?.[1] ?? ''), b: init.get(add?.input?.[1] ?? '') };
    };
    const stack = await fitStacking(f, 'binary');
    for (const quant of ['float', 'int8-qdq'] as const) {
      const g = decodeModel(exportModelOnnx(trainedModel(f, stack, 'binary'), { quant })).graph!;
      const { matmul, add, w, b } = metaLayer(g, 3);
      expect(matmul).toBeDefined();
      expect(add).toBeDefined();
      // float32 even when the members' weights are int8
      expect([w?.dataType, w?.dims?.map(Number), b?.dims?.map(Number)]).toEqual([1, [3, 1], [1]]);
      expect(Array.from(w?.floatData ?? [])).toEqual(
        stack.toJSON().meta.weights.map((r) => Math.fround(r[0] as number)),
      );
      expect(Array.from(b?.floatData ?? [])).toEqual([Math.fround(stack.meta.intercept[0] as number)]);
      expect(g.node?.some((n) => n.opType === 'ZipMap' || n.opType === 'Sigmoid')).toBe(false);
      expect(g.node?.some((n) => n.opType === 'DequantizeLinear')).toBe(quant === 'int8-qdq');
      expect(g.output?.map((o) => o.name)).toEqual(['label', 'probabilities']);
    }
    const reg = decodeModel(exportModelOnnx(trainedModel(f, await fitStacking(f, 'regression'), 'regression'))).graph!;
    expect(reg.output?.map((o) => o.name)).toEqual(['prediction']);
    expect(metaLayer(reg, 3).w?.dims?.map(Number)).toEqual([3, 1]);
    const multi = decodeModel(
      exportModelOnnx(trainedModel(f, await fitStacking(f, 'multiclass'), 'multiclass')),
    ).graph!;
    const ml = metaLayer(multi, 3);
    expect(ml.w?.dims?.map(Number)).toEqual([9, 3]);
    expect(multi.node?.some((n) => n.opType === 'Softmax' && n.input?.[0] === ml.add?.output?.[0])).toBe(true);
  });

  it('rejects a stacking ensemble whose meta-learner does not fit its members or task', async () => {
    const json = (await fitStacking(f, 'binary')).toJSON();
    const as = (j: StackingSaved): FittedModel => ({
      kind: 'stacking',
      predict: () => new Float64Array(),
      toJSON: () => j,
    });
    expect(codeOf(() => exportModelOnnx(trainedModel(f, as(json), 'regression')))).toBe(
      TrainerErrorCodes.ONNX_GRAPH_INVALID,
    );
    expect(
      codeOf(() =>
        exportModelOnnx(
          trainedModel(f, as({ ...json, meta: { ...json.meta, weights: json.meta.weights.slice(1) } }), 'binary'),
        ),
      ),
    ).toBe(TrainerErrorCodes.ONNX_GRAPH_INVALID);
    expect(
      codeOf(() =>
        exportModelOnnx(trainedModel(f, as({ ...json, meta: { ...json.meta, intercept: [NaN] } }), 'binary')),
      ),
    ).toBe(TrainerErrorCodes.ONNX_GRAPH_INVALID);
    expect(codeOf(() => exportModelOnnx(trainedModel(f, as({ ...json, members: [] }), 'binary')))).toBe(
      TrainerErrorCodes.ONNX_GRAPH_INVALID,
    );
  });
});
