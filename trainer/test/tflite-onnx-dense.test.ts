/**
 * onnxDenseLayers reads the numbers an ONNX dense stack really multiplies by, whatever storage the
 * exporter chose (float, int8 per tensor or per channel, float / float16 / int8 biases, Gemm or
 * MatMul + Add): x·W + b computed from what it returns equals onnxruntime-web's output.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { emitDense, type BiasStorage, type DenseQuant } from '../src/onnx/dense.ts';
import { GraphBuilder } from '../src/onnx/graph-builder.ts';
import { quantizeSymmetric } from '../src/onnx/quantize.ts';
import { mulberry32 } from '../src/random.ts';
import { onnxDenseLayers, type OnnxDense } from '../src/tflite/onnx-dense.ts';

const rng = mulberry32(17);
const randoms = (n: number, scale: number): Float64Array =>
  Float64Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
const SHAPES: [number, number][] = [
  [6, 20],
  [20, 1],
];
const WEIGHTS = SHAPES.map(([i, o]) => randoms(i * o, 2));
const BIASES = SHAPES.map(([, o], k) => randoms(o, k === 0 ? 0.5 : 300));

function model(quant: DenseQuant, bias: BiasStorage, form: 'gemm' | 'matmul'): Uint8Array {
  const g = new GraphBuilder('dense-read');
  let x = g.input('x', 'float', ['N', 6]);
  SHAPES.forEach(([i, o], k) => {
    x = emitDense(g, x, WEIGHTS[k] as Float64Array, BIASES[k] as Float64Array, {
      in: i,
      out: o,
      quant,
      bias,
      form,
      name: `l${k}`,
      activation: k === 0 ? 'relu' : 'identity',
    });
  });
  g.node('Identity', [x], { outputs: ['y'] });
  g.output('y', 'float', ['N', 1]);
  return g.toBytes();
}

/** The stack evaluated from the read layers: float32 rounding after each dot product and bias. */
function evaluate(layers: readonly OnnxDense[], x: Float32Array, n: number): Float32Array {
  let cur = x;
  layers.forEach((l, k) => {
    const next = new Float32Array(n * l.out);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < l.out; j++) {
        let s = 0;
        for (let i = 0; i < l.in; i++) s += (cur[r * l.in + i] as number) * (l.weights[i * l.out + j] as number);
        const v = Math.fround(s + (l.bias[j] as number));
        next[r * l.out + j] = k < layers.length - 1 ? Math.max(0, v) : v;
      }
    }
    cur = next;
  });
  return cur;
}

describe('onnxDenseLayers', () => {
  const n = 64;
  const x = Float32Array.from(randoms(n * 6, 3));

  const cases: [DenseQuant, BiasStorage, 'gemm' | 'matmul'][] = [
    ['float', 'float', 'gemm'],
    ['float', 'float', 'matmul'],
    ['int8-qdq', 'float', 'gemm'],
    ['int8-qdq', 'int8', 'gemm'],
    ['int8-qdq', 'float16', 'matmul'],
    ['int8-qdq-per-channel', 'int8', 'gemm'],
    ['int8-qdq-per-channel', 'float16', 'gemm'],
  ];
  it.each(cases)('%s weights, %s bias, %s: the read numbers reproduce onnxruntime-web', async (quant, bias, form) => {
    const bytes = model(quant, bias, form);
    const layers = onnxDenseLayers(bytes);
    expect(layers.map((l) => [l.in, l.out])).toEqual(SHAPES);
    const session = await ort.InferenceSession.create(bytes);
    const out = (await session.run({ x: new ort.Tensor('float32', x, [n, 6]) })).y?.data as Float32Array;
    await session.release();
    const mine = evaluate(layers, x, n);
    for (let r = 0; r < n; r++)
      expect(Math.abs((mine[r] as number) - (out[r] as number))).toBeLessThanOrEqual(
        1e-5 * Math.max(1, Math.abs(out[r] as number)),
      );
    if (quant === 'float') {
      expect(layers.every((l) => l.int8 === undefined)).toBe(true);
      expect(Array.from(layers[0]?.weights ?? [])).toEqual(Array.from(Float32Array.from(WEIGHTS[0] as Float64Array)));
    } else {
      // The int8 numbers themselves, as the exporter quantized them.
      const granularity = quant === 'int8-qdq-per-channel' ? 'per-channel' : 'per-tensor';
      const [i, o] = SHAPES[0] as [number, number];
      const want = quantizeSymmetric(WEIGHTS[0] as Float64Array, i, o, granularity);
      expect(Array.from(layers[0]?.int8?.q ?? [])).toEqual(Array.from(want.q));
      expect(Array.from(layers[0]?.int8?.scales ?? [])).toEqual(Array.from(want.scales));
    }
  });

  it('refuses int8 activations (MatMulInteger), which no float graph mirrors', () => {
    expect(() => onnxDenseLayers(model('int8-dynamic', 'float', 'gemm'))).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.TFLITE_MODEL_INVALID }),
    );
  });
});
