import { describe, expect, it } from 'vitest';
import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import { GraphBuilder, decodeModel, fromFloat16Bits, toFloat16Bits } from '../src/onnx/graph-builder.ts';
import {
  emitDense,
  MIN_COMPACT_BIAS,
  type DenseActivation,
  type DenseOptions,
  type DenseQuant,
} from '../src/onnx/dense.ts';
import { dequantize, quantizeSymmetric } from '../src/onnx/quantize.ts';
import { TrainerErrorCodes } from '../src/errors.ts';

type Runtime = typeof ortWeb | typeof ortNode;
const INT8 = 3;
const FLOAT = 1;
const FLOAT16 = 10;

function model(
  w: number[],
  b: number[],
  inDim: number,
  outDim: number,
  activation: DenseActivation,
  quant: DenseQuant = 'float',
  extra: Partial<DenseOptions> = {},
): Uint8Array {
  const g = new GraphBuilder('dense');
  const x = g.input('x', 'float', ['N', inDim]);
  const y = emitDense(g, x, Float64Array.from(w), Float64Array.from(b), {
    in: inDim,
    out: outDim,
    activation,
    quant,
    name: 'l1',
    ...extra,
  });
  g.node('Identity', [y], { outputs: ['y'] });
  g.output('y', 'float', ['N', outDim]);
  return g.toBytes();
}

async function run(
  ort: Runtime,
  bytes: Uint8Array,
  x: number[],
  cols: number,
  opt: 'basic' | 'all' = 'basic',
): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: opt });
  const res = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), [x.length / cols, cols]) });
  const out = Array.from(res.y?.data as Float32Array);
  await session.release();
  return out;
}

/** x·W + b in double, W in×out row-major. */
function affine(x: number[], w: ArrayLike<number>, b: ArrayLike<number>, inDim: number, outDim: number): number[] {
  const rows = x.length / inDim;
  return Array.from({ length: rows * outDim }, (_, k) => {
    const r = Math.floor(k / outDim);
    const j = k % outDim;
    let s = b[j] as number;
    for (let i = 0; i < inDim; i++) s += (x[r * inDim + i] as number) * (w[i * outDim + j] as number);
    return s;
  });
}

// W is 2×3 row-major: columns are the outputs.
const W = [1, -2, 0.5, 3, 4, -1];
const B = [0.5, -10, 0];
const X = [1, 2, -1, 0.5];
// x·W + b for rows (1,2) and (-1,0.5)
const LINEAR = [7.5, -4, -1.5, 1, -6, -1];

describe('emitDense float', () => {
  const cases: [DenseActivation, number[]][] = [
    ['identity', LINEAR],
    ['relu', LINEAR.map((v) => Math.max(0, v))],
    ['sigmoid', LINEAR.map((v) => 1 / (1 + Math.exp(-v)))],
    [
      'softmax',
      [0, 1].flatMap((r) => {
        const row = LINEAR.slice(r * 3, r * 3 + 3);
        const e = row.map((v) => Math.exp(v));
        const s = e.reduce((a, c) => a + c, 0);
        return e.map((v) => v / s);
      }),
    ],
  ];
  for (const [activation, want] of cases) {
    it(`${activation}: known answers in onnxruntime-web and onnxruntime-node, as Gemm and as MatMul + Add`, async () => {
      for (const form of ['gemm', 'matmul'] as const) {
        const bytes = model(W, B, 2, 3, activation, 'float', { form });
        for (const ort of [ortWeb, ortNode] as Runtime[]) {
          const got = await run(ort, bytes, X, 2);
          got.forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
        }
      }
    });
  }

  it('emits Gemm (+ activation) by default, MatMul + Add on request, float32 throughout; deterministic', () => {
    const a = model(W, B, 2, 3, 'relu');
    const graph = decodeModel(a).graph;
    expect(graph?.node?.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Identity']);
    expect(graph?.initializer?.map((t) => t.dataType)).toEqual([FLOAT, FLOAT]);
    expect(
      decodeModel(model(W, B, 2, 3, 'relu', 'float', { form: 'matmul' })).graph?.node?.map((n) => n.opType),
    ).toEqual(['MatMul', 'Add', 'Relu', 'Identity']);
    expect(Buffer.from(model(W, B, 2, 3, 'relu')).equals(Buffer.from(a))).toBe(true);
  });

  it('names its output tensor when asked (after the activation, if any)', () => {
    const g = new GraphBuilder('named');
    const x = g.input('x', 'float', ['N', 2]);
    expect(
      emitDense(g, x, Float64Array.from(W), Float64Array.from(B), { in: 2, out: 3, activation: 'relu', output: 'y' }),
    ).toBe('y');
    expect(decodeModel(g.toBytes()).graph?.node?.map((n) => [n.opType, n.output?.[0]])).toEqual([
      ['Gemm', '_2'],
      ['Relu', 'y'],
    ]);
  });

  it('rejects weights that do not match the shape', () => {
    const g = new GraphBuilder('bad');
    const x = g.input('x', 'float', ['N', 2]);
    expect(() => emitDense(g, x, new Float64Array(5), new Float64Array(3), { in: 2, out: 3 })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.ONNX_GRAPH_INVALID }),
    );
  });
});

describe('emitDense int8 weights', () => {
  // Weights that are exact multiples of their column scale (max|col|/127) quantize without error.
  const inDim = 3;
  const outDim = 2;
  const scales = [1 / 127, 0.5 / 127];
  const w = [127, 127, -64, 50, 1, -127].map((q, k) => q * (scales[k % 2] as number));
  const b = [0.25, -0.5];
  const x = [1, -2, 3, 0.5, 0.25, -1];
  const want = affine(x, w, b, inDim, outDim);

  it('int8-qdq-per-channel stores int8 weights behind DequantizeLinear and matches float in both runtimes', async () => {
    const bytes = model(w, b, inDim, outDim, 'identity', 'int8-qdq-per-channel');
    const graph = decodeModel(bytes).graph;
    expect(graph?.node?.map((n) => n.opType)).toEqual(['DequantizeLinear', 'Gemm', 'Identity']);
    // Per-channel scales on the op's default axis (1); zero point omitted.
    expect(graph?.node?.[0]?.attribute ?? []).toEqual([]);
    expect(graph?.node?.[0]?.input).toHaveLength(2);
    expect(graph?.initializer?.find((t) => t.dataType === INT8)?.rawData?.length).toBe(inDim * outDim);
    expect(graph?.initializer?.filter((t) => t.dataType === FLOAT).map((t) => t.dims?.map(Number))).toEqual([
      [outDim],
      [outDim],
    ]);
    for (const ort of [ortWeb, ortNode] as Runtime[]) {
      for (const opt of ['basic', 'all'] as const) {
        const got = await run(ort, bytes, x, inDim, opt);
        // onnxruntime-node above 'basic' rewrites DQ+MatMul into a dynamically quantized MatMul,
        // which also quantizes x: exact only at 'basic'.
        const tolerance = ort === ortNode && opt === 'all' ? 0.03 : 1e-5;
        got.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(tolerance));
      }
    }
  });

  it('int8-qdq (default) has one per-tensor scale: exact for weights on one grid, coarser for a small column', async () => {
    const s = 1 / 127;
    const onGrid = [127, -3, -64, 50, 1, -127].map((q) => q * s);
    const graph = decodeModel(model(onGrid, b, inDim, outDim, 'identity', 'int8-qdq')).graph;
    expect(graph?.initializer?.filter((t) => t.dataType === FLOAT).map((t) => t.dims?.map(Number))).toEqual([
      [],
      [outDim],
    ]);
    const exact = affine(x, onGrid, b, inDim, outDim);
    for (const ort of [ortWeb, ortNode] as Runtime[]) {
      (await run(ort, model(onGrid, b, inDim, outDim, 'identity', 'int8-qdq'), x, inDim)).forEach((v, i) =>
        expect(Math.abs(v - (exact[i] as number))).toBeLessThan(1e-5),
      );
      // The per-channel weights above on one scale (1/127): column 1 (max 0.5) keeps 7 bits, not 8.
      const got = await run(ort, model(w, b, inDim, outDim, 'identity', 'int8-qdq'), x, inDim);
      got.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(3 * 6 * (s / 2)));
    }
  });

  it('int8-dynamic (DynamicQuantizeLinear + MatMulInteger) is within the activation quantization error', async () => {
    const bytes = model(w, b, inDim, outDim, 'identity', 'int8-dynamic', { granularity: 'per-channel' });
    expect(decodeModel(bytes).graph?.node?.map((n) => n.opType)).toEqual([
      'DynamicQuantizeLinear',
      'MatMulInteger',
      'Cast',
      'Mul',
      'Mul',
      'Add',
      'Identity',
    ]);
    // x spans [-2, 3]: uint8 step 5/255 ≈ 0.02, so each product is off by ≤ 0.01·|w|, summed over 3 inputs.
    for (const ort of [ortWeb, ortNode] as Runtime[]) {
      const got = await run(ort, bytes, x, inDim);
      got.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(0.03));
    }
  });
});

describe('emitDense int8 biases', () => {
  // A wide layer: 2 inputs → 20 outputs, weights on the grid of max|W| / 127 = 2 / 127.
  const inDim = 2;
  const outDim = 20;
  const s = 2 / 127;
  const w = Array.from({ length: inDim * outDim }, (_, k) => (((k * 37) % 255) - 127) * s);
  const x = [1, -2, 0.5, 3];
  const small = Array.from({ length: outDim }, (_, j) => (j - 9.5) / 10); // |b| ≤ 0.95 < 2
  const large = small.map((v, j) => (j === 3 ? 300 : v));

  /** Outputs within 1e-4 relative of x·W' + b', W' = `effectiveW` (default: `w`, on its per-tensor grid). */
  async function check(
    bytes: Uint8Array,
    effectiveBias: ArrayLike<number>,
    effectiveW: ArrayLike<number> = w,
  ): Promise<void> {
    const want = affine(x, effectiveW, effectiveBias, inDim, outDim);
    for (const ort of [ortWeb, ortNode] as Runtime[]) {
      const got = await run(ort, bytes, x, inDim);
      got.forEach((v, i) =>
        expect(Math.abs(v - (want[i] as number)), `output ${i}`).toBeLessThan(
          1e-4 * Math.max(1, Math.abs(want[i] as number)),
        ),
      );
    }
  }

  it(`int8 (default): the bias on the weights' scale when it fits, one DequantizeLinear, ${outDim} bytes`, async () => {
    const bytes = model(w, small, inDim, outDim, 'identity', 'int8-qdq');
    const graph = decodeModel(bytes).graph;
    expect(graph?.node?.map((n) => n.opType)).toEqual(['DequantizeLinear', 'DequantizeLinear', 'Gemm', 'Identity']);
    const [dqW, dqB] = graph?.node ?? [];
    expect(dqB?.input?.[1]).toBe(dqW?.input?.[1]);
    expect(graph?.initializer?.map((t) => [t.dataType, t.dims?.map(Number)])).toEqual([
      [INT8, [inDim, outDim]],
      [FLOAT, []],
      [INT8, [outDim]],
    ]);
    await check(
      bytes,
      small.map((v) => Math.round(v / s) * s),
    );
  });

  it("int8: a bias beyond the weights' range gets its own per-tensor scale (max|b| / 127)", async () => {
    const bytes = model(w, large, inDim, outDim, 'identity', 'int8-qdq');
    const graph = decodeModel(bytes).graph;
    expect(graph?.node?.[1]?.input?.[1]).not.toBe(graph?.node?.[0]?.input?.[1]);
    const bs = Math.fround(300 / 127);
    await check(
      bytes,
      large.map((v) => Math.round(v / bs) * bs),
    );
  });

  it('int8 with per-channel weights: the bias shares the [out] scales along axis 0 when each |b_j| fits its column', async () => {
    const colScale = Array.from({ length: outDim }, (_, j) =>
      Math.fround(Math.max(Math.abs(w[j] as number), Math.abs(w[outDim + j] as number)) / 127),
    );
    const fits = colScale.map((c, j) => (j % 2 === 0 ? 0.6 : -0.6) * 127 * c);
    const bytes = model(w, fits, inDim, outDim, 'identity', 'int8-qdq-per-channel');
    const graph = decodeModel(bytes).graph;
    expect(graph?.node?.[1]?.input?.[1]).toBe(graph?.node?.[0]?.input?.[1]);
    expect(graph?.node?.[1]?.attribute?.map((a) => [a.name, Number(a.i)])).toEqual([['axis', 0]]);
    // Per column, the weights are on their column's grid only approximately: compare with W as stored.
    const stored = dequantize(quantizeSymmetric(w, inDim, outDim, 'per-channel'), inDim, outDim);
    await check(
      bytes,
      fits.map((v, j) => Math.round(Math.fround(v) / (colScale[j] as number)) * (colScale[j] as number)),
      stored,
    );
    // One column whose bias exceeds its scale's range: the bias gets its own per-tensor scale.
    const own = decodeModel(
      model(
        w,
        fits.map((v, j) => (j === 0 ? 200 * (colScale[0] as number) : v)),
        inDim,
        outDim,
        'identity',
        'int8-qdq-per-channel',
      ),
    ).graph;
    expect(own?.node?.[1]?.input?.[1]).not.toBe(own?.node?.[0]?.input?.[1]);
    expect(own?.node?.[1]?.attribute ?? []).toEqual([]);
  });

  it('float16: IEEE half behind a Cast; float32 when a value exceeds the half range', async () => {
    const bytes = model(w, small, inDim, outDim, 'identity', 'int8-qdq', { bias: 'float16' });
    const graph = decodeModel(bytes).graph;
    expect(graph?.node?.map((n) => n.opType)).toEqual(['DequantizeLinear', 'Cast', 'Gemm', 'Identity']);
    expect(graph?.initializer?.find((t) => t.dataType === FLOAT16)?.rawData?.length).toBe(2 * outDim);
    await check(
      bytes,
      small.map((v) => fromFloat16Bits(toFloat16Bits(v))),
    );
    const big = small.map((v, j) => (j === 0 ? 70000 : v));
    const fallback = model(w, big, inDim, outDim, 'identity', 'int8-qdq', { bias: 'float16' });
    expect(decodeModel(fallback).graph?.initializer?.some((t) => t.dataType === FLOAT16)).toBe(false);
    await check(fallback, big.map(Math.fround));
  });

  it(`float, and any storage below ${MIN_COMPACT_BIAS} outputs: float32 bias`, () => {
    const floatBias = decodeModel(model(w, small, inDim, outDim, 'identity', 'int8-qdq', { bias: 'float' })).graph;
    expect(floatBias?.initializer?.map((t) => t.dataType)).toEqual([INT8, FLOAT, FLOAT]);
    for (const bias of ['int8', 'float16'] as const) {
      const narrow = decodeModel(
        model(w.slice(0, 2 * 15), small.slice(0, 15), inDim, 15, 'identity', 'int8-qdq', { bias }),
      ).graph;
      expect(narrow?.node?.map((n) => n.opType)).toEqual(['DequantizeLinear', 'Gemm', 'Identity']);
    }
  });
});
