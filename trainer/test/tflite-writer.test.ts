import type { LogisticSaved, MlpSaved } from '../src/model/saved.ts';
import { describe, expect, it } from 'vitest';
import * as flatbuffers from 'flatbuffers';
import { writeTflite, type TfliteDense } from '../src/tflite/writer.ts';
import {
  devicePipeline,
  exportTflite,
  inputTransform,
  tfliteLayers,
  TFLITE_TRANSFORM_METADATA,
} from '../src/tflite/export-tflite.ts';
import { TrainerErrorCodes } from '../src/errors.ts';
import { fitSpecPipeline } from '../src/preprocess/spec-pipeline.ts';
import { FeatureStep } from '../src/spec/steps.ts';
import type { Column } from '../src/data/dataset.ts';

/** A tiny reader over the written flatbuffer, by schema.fbs slot numbers (independent of the writer's tables). */
class Reader {
  readonly bb: flatbuffers.ByteBuffer;
  constructor(bytes: Uint8Array) {
    this.bb = new flatbuffers.ByteBuffer(bytes);
  }
  root(): number {
    return this.bb.readInt32(this.bb.position()) + this.bb.position();
  }
  private off(t: number, slot: number): number {
    return this.bb.__offset(t, 4 + 2 * slot);
  }
  int(t: number, slot: number, size: 1 | 4, dflt = 0): number {
    const o = this.off(t, slot);
    return o ? (size === 1 ? this.bb.readInt8(t + o) : this.bb.readInt32(t + o)) : dflt;
  }
  float(t: number, slot: number, dflt = 0): number {
    const o = this.off(t, slot);
    return o ? this.bb.readFloat32(t + o) : dflt;
  }
  str(t: number, slot: number): string {
    const o = this.off(t, slot);
    return o ? (this.bb.__string(t + o) as string) : '';
  }
  tables(t: number, slot: number): number[] {
    const o = this.off(t, slot);
    if (!o) return [];
    const v = this.bb.__vector(t + o);
    return Array.from({ length: this.bb.__vector_len(t + o) }, (_, i) => this.bb.__indirect(v + 4 * i));
  }
  ints(t: number, slot: number): number[] {
    const o = this.off(t, slot);
    if (!o) return [];
    const v = this.bb.__vector(t + o);
    return Array.from({ length: this.bb.__vector_len(t + o) }, (_, i) => this.bb.readInt32(v + 4 * i));
  }
  floats(t: number, slot: number): number[] {
    const o = this.off(t, slot);
    if (!o) return [];
    const v = this.bb.__vector(t + o);
    return Array.from({ length: this.bb.__vector_len(t + o) }, (_, i) => this.bb.readFloat32(v + 4 * i));
  }
  bytes(t: number, slot: number): Uint8Array {
    const o = this.off(t, slot);
    if (!o) return new Uint8Array(0);
    return this.bb.bytes().subarray(this.bb.__vector(t + o), this.bb.__vector(t + o) + this.bb.__vector_len(t + o));
  }
}

// 2 inputs → 3 hidden (relu) → 1 (sigmoid); weights in×out row-major.
const LAYERS: TfliteDense[] = [
  { weights: [1, 2, 3, 4, 5, 6], bias: [0.1, 0.2, 0.3], in: 2, out: 3, activation: 'relu' },
  { weights: [0.5, -0.5, 0.25], bias: [-1], in: 3, out: 1, activation: 'sigmoid' },
];

describe('writeTflite', () => {
  it('writes a TFL3 model: version 3, FULLY_CONNECTED with [out, in] weights, fused ReLU, LOGISTIC head', () => {
    const bytes = writeTflite(LAYERS);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TFL3');
    const r = new Reader(bytes);
    const model = r.root();
    expect(r.int(model, 0, 4)).toBe(3);
    const codes = r.tables(model, 1).map((c) => r.int(c, 3, 4));
    expect(codes).toEqual([9, 14]);
    const buffers = r.tables(model, 4);
    expect(r.bytes(buffers[0] as number, 0).length).toBe(0);
    const [sg] = r.tables(model, 2) as [number];
    const tensors = r.tables(sg, 0);
    const names = tensors.map((t) => r.str(t, 3));
    expect(names).toEqual([
      'input',
      'layer0_weights',
      'layer0_bias',
      'layer0_out',
      'layer1_weights',
      'layer1_bias',
      'layer1_out',
      'prediction',
    ]);
    expect(tensors.map((t) => r.ints(t, 0))).toEqual([[1, 2], [3, 2], [3], [1, 3], [1, 3], [1], [1, 1], [1, 1]]);
    // Weights transposed: row j of [out, in] is column j of the in×out matrix.
    const w0 = r.bytes(buffers[r.int(tensors[1] as number, 2, 4)] as number, 0);
    expect(Array.from(new Float32Array(w0.slice().buffer))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(r.ints(sg, 1)).toEqual([0]);
    expect(r.ints(sg, 2)).toEqual([7]);
    const ops = r.tables(sg, 3);
    expect(ops.map((o) => r.int(o, 0, 4))).toEqual([0, 0, 1]);
    expect(ops.map((o) => r.ints(o, 1))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    // FullyConnectedOptions (union type 8): ReLU (1) on the hidden layer only.
    expect(ops.map((o) => r.int(o, 3, 1))).toEqual([8, 8, 0]);
    const fused = ops.slice(0, 2).map((o) => r.int(r.bb.__indirect(o + r.bb.__offset(o, 4 + 2 * 4)), 0, 1));
    expect(fused).toEqual([1, 0]);
  });

  it('int8: INT8 weights with one symmetric scale and zero point 0, float bias', () => {
    const bytes = writeTflite(LAYERS, { quant: 'int8' });
    const r = new Reader(bytes);
    const model = r.root();
    const [sg] = r.tables(model, 2) as [number];
    const w = r.tables(sg, 0)[1] as number;
    expect(r.int(w, 1, 1)).toBe(9);
    const q = r.bb.__indirect(w + r.bb.__offset(w, 4 + 2 * 4));
    expect(r.floats(q, 2)).toEqual([Math.fround(6 / 127)]);
    const data = r.bytes(r.tables(model, 4)[r.int(w, 2, 4)] as number, 0);
    expect(Array.from(new Int8Array(data.slice().buffer))).toEqual([21, 85, 42, 106, 64, 127]);
    expect(r.int(r.tables(sg, 0)[2] as number, 1, 1)).toBe(0);
  });

  it('binary head: the logit layer as (w, −w), then EXP, ADD 1, DIV 1 / · — [P(0), P(1)] as the ONNX head', () => {
    const bytes = writeTflite([{ weights: [0.5, -2], bias: [0.25], in: 2, out: 1, activation: 'binary' }], {
      outputName: 'probabilities',
    });
    const r = new Reader(bytes);
    const model = r.root();
    expect(r.tables(model, 1).map((c) => r.int(c, 3, 4))).toEqual([9, 47, 0, 42]);
    const [sg] = r.tables(model, 2) as [number];
    const tensors = r.tables(sg, 0);
    const buffers = r.tables(model, 4);
    const floats = (t: number): number[] =>
      Array.from(new Float32Array(r.bytes(buffers[r.int(t, 2, 4)] as number, 0).slice().buffer));
    // Weights [2 units, 2 inputs]: unit 0 = w, unit 1 = −w; bias (b, −b).
    expect(floats(tensors[1] as number)).toEqual([0.5, -2, -0.5, 2]);
    expect(floats(tensors[2] as number)).toEqual([0.25, -0.25]);
    const ops = r.tables(sg, 3);
    const names = tensors.map((t) => r.str(t, 3));
    expect(ops.map((o) => r.ints(o, 1).map((i) => names[i]))).toEqual([
      ['input', 'layer0_weights', 'layer0_bias'],
      ['layer0_out'],
      ['layer0_one', 'layer0_exp'],
      ['layer0_one', 'layer0_denominator'],
    ]);
    expect(names[r.ints(sg, 2)[0] as number]).toBe('probabilities');
    expect(floats(tensors[names.indexOf('layer0_one')] as number)).toEqual([1, 1]);
    expect(() => writeTflite([{ weights: [1, 2, 3, 4], bias: [0, 0], in: 2, out: 2, activation: 'binary' }])).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }),
    );
  });

  it('int8-weights: INT8 weights with per-output-channel scales (quantized_dimension 0) behind DEQUANTIZE', () => {
    const bytes = writeTflite(LAYERS, { quant: 'int8-weights' });
    const r = new Reader(bytes);
    const model = r.root();
    expect(r.tables(model, 1).map((c) => r.int(c, 3, 4))).toEqual([6, 9, 14]);
    const [sg] = r.tables(model, 2) as [number];
    const tensors = r.tables(sg, 0);
    const w = tensors[1] as number;
    expect(r.str(w, 3)).toBe('layer0_weights_int8');
    expect(r.int(w, 1, 1)).toBe(9);
    const q = r.bb.__indirect(w + r.bb.__offset(w, 4 + 2 * 4));
    // Columns of W (in×out) are [1, 4], [2, 5], [3, 6]: one scale each.
    expect(r.floats(q, 2)).toEqual([4, 5, 6].map((m) => Math.fround(m / 127)));
    expect(r.int(q, 6, 4)).toBe(0);
    const data = r.bytes(r.tables(model, 4)[r.int(w, 2, 4)] as number, 0);
    expect(Array.from(new Int8Array(data.slice().buffer))).toEqual([32, 127, 51, 127, 64, 127]);
    const ops = r.tables(sg, 3);
    expect(r.ints(ops[0] as number, 1)).toEqual([1]);
    expect(r.ints(ops[1] as number, 1)).toEqual([0, 2, 3]);
    // Hybrid flag off: the FULLY_CONNECTED is float.
    const fc = ops[1] as number;
    expect(r.int(r.bb.__indirect(fc + r.bb.__offset(fc, 4 + 2 * 4)), 3, 1)).toBe(0);
  });

  it("stores a layer's given int8 numbers verbatim (one scale → per tensor)", () => {
    const bytes = writeTflite([
      {
        weights: [0, 0, 0, 0],
        bias: [1, 2],
        in: 2,
        out: 2,
        activation: 'identity',
        int8: { q: [5, -7, 127, 3], scales: [0.5] },
      },
    ]);
    const r = new Reader(bytes);
    const model = r.root();
    const [sg] = r.tables(model, 2) as [number];
    const w = r.tables(sg, 0)[1] as number;
    const q = r.bb.__indirect(w + r.bb.__offset(w, 4 + 2 * 4));
    expect(r.floats(q, 2)).toEqual([0.5]);
    const data = r.bytes(r.tables(model, 4)[r.int(w, 2, 4)] as number, 0);
    expect(Array.from(new Int8Array(data.slice().buffer))).toEqual([5, 127, -7, 3]);
    expect(() =>
      writeTflite([
        { weights: [0, 0], bias: [0], in: 2, out: 1, activation: 'identity', int8: { q: [1], scales: [1] } },
      ]),
    ).toThrow(expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }));
  });

  it('softmax head carries beta = 1 (the schema default is 0)', () => {
    const bytes = writeTflite([{ weights: [1, 2], bias: [0, 0], in: 1, out: 2, activation: 'softmax' }]);
    const r = new Reader(bytes);
    const [sg] = r.tables(r.root(), 2) as [number];
    const softmax = r.tables(sg, 3)[1] as number;
    expect(r.int(softmax, 3, 1)).toBe(9);
    expect(r.float(r.bb.__indirect(softmax + r.bb.__offset(softmax, 4 + 2 * 4)), 0)).toBe(1);
  });

  it('is deterministic and rejects layers that do not chain', () => {
    expect(Buffer.from(writeTflite(LAYERS)).equals(Buffer.from(writeTflite(LAYERS)))).toBe(true);
    expect(() => writeTflite([])).toThrow(expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }));
    expect(() =>
      writeTflite([LAYERS[0] as TfliteDense, { ...(LAYERS[1] as TfliteDense), in: 2, weights: [1, 2] }]),
    ).toThrow(expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }));
  });
});

describe('exportTflite', () => {
  // x and the one-hot of c (a, b), standard-scaled: three design columns.
  const pipeline = fitSpecPipeline({
    columns: [
      { kind: 'numeric', name: 'x', values: Float64Array.from([-1, 1, 3]) },
      { kind: 'categorical', name: 'c', values: ['a', 'b', 'a'] },
    ],
    rows: [0, 1, 2],
    features: [
      FeatureStep.parse({ op: 'onehot', columns: ['c'] }),
      FeatureStep.parse({ op: 'scale', method: 'standard' }),
    ],
  }).pipeline;

  it('stores the input transform as Model.metadata and folds the MLP target scaling into the last layer', () => {
    const mlp: MlpSaved = {
      kind: 'mlp',
      layers: [{ weights: [1, 2, 3], bias: [0.5], activation: 'identity' }],
      yMean: 100,
      yStd: 10,
    };
    expect(tfliteLayers(mlp)[0]).toMatchObject({ weights: [10, 20, 30], bias: [105], in: 3, out: 1 });
    const r = new Reader(exportTflite(pipeline, mlp));
    const model = r.root();
    const [meta] = r.tables(model, 6) as [number];
    expect(r.str(meta, 0)).toBe(TFLITE_TRANSFORM_METADATA);
    const json = new TextDecoder().decode(r.bytes(r.tables(model, 4)[r.int(meta, 1, 4)] as number, 0));
    expect(JSON.parse(json)).toEqual(inputTransform(pipeline));
  });

  it('logistic: binary ends in the binary head, multiclass in softmax; a task the model cannot serve is refused', () => {
    const logistic: LogisticSaved = { kind: 'logistic', weights: [[1], [2], [3]], intercept: [0.5], classes: [0, 1] };
    expect(tfliteLayers(logistic, 'binary')).toEqual([
      { weights: [1, 2, 3], bias: [0.5], in: 3, out: 1, activation: 'binary' },
    ]);
    const multi: LogisticSaved = {
      kind: 'logistic',
      weights: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      intercept: [0, 1],
      classes: [0, 1],
    };
    expect(tfliteLayers(multi, 'multiclass')[0]).toMatchObject({
      weights: [1, 2, 3, 4, 5, 6],
      in: 3,
      out: 2,
      activation: 'softmax',
    });
    expect(() => tfliteLayers(logistic, 'regression')).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }),
    );
    expect(() => tfliteLayers({ kind: 'linear', weights: [1], intercept: 0 }, 'binary')).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }),
    );
    const meta = new Reader(exportTflite(pipeline, logistic, { task: 'binary', threshold: 0.3 }));
    const model = meta.root();
    const [entry] = meta.tables(model, 6) as [number];
    const json = JSON.parse(
      new TextDecoder().decode(meta.bytes(meta.tables(model, 4)[meta.int(entry, 1, 4)] as number, 0)),
    ) as { output: unknown };
    expect(json.output).toEqual({
      task: 'binary',
      probabilities: 'probabilities',
      label: 'label',
      threshold: Math.fround(0.3),
    });
  });

  it('refuses a spec pipeline with a step kind the device transform cannot apply', () => {
    const columns: Column[] = [
      { kind: 'numeric', name: 'x', values: Float64Array.from({ length: 40 }, (_, i) => i % 7) },
      { kind: 'numeric', name: 'y', values: Float64Array.from({ length: 40 }, (_, i) => (i * 3) % 11) },
    ];
    const rows = Array.from({ length: 40 }, (_, i) => i);
    const plain = fitSpecPipeline({
      columns,
      rows,
      features: [FeatureStep.parse({ op: 'log', columns: ['x'] })],
    }).pipeline;
    expect(devicePipeline(plain).steps.map((s) => s.op)).toEqual(['impute', 'impute', 'log']);
    // cluster_similarity is one the device applies (protocol/src/pipeline/steps/cluster-similarity.ts).
    const clustered = fitSpecPipeline({
      columns,
      rows,
      features: [FeatureStep.parse({ op: 'cluster_similarity', name: 'geo', columns: ['x', 'y'], k: 2, gamma: 0.5 })],
    }).pipeline;
    expect(devicePipeline(clustered)).toEqual(clustered);
    // A kind the protocol does not know (as from a trainer newer than its devices) is refused, named.
    const future = {
      ...clustered,
      steps: [...clustered.steps, { op: 'polynomial', columns: ['x'], degree: 2 }],
    } as unknown as typeof clustered;
    expect(() => devicePipeline(future)).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.TFLITE_MODEL_INVALID,
        details: expect.objectContaining({ steps: ['polynomial'] }),
      }),
    );
  });

  it('rejects a model whose width is not the pipeline width', () => {
    expect(() => exportTflite(pipeline, { kind: 'linear', weights: [1, 2], intercept: 0 })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }),
    );
  });
});
