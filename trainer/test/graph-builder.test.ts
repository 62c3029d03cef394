import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { GraphBuilder, decodeModel, fromFloat16Bits, toFloat16Bits } from '../src/onnx/graph-builder.ts';
import { TrainerErrorCodes } from '../src/errors.ts';

function tiny(names?: 'short' | 'readable'): Uint8Array {
  const g = new GraphBuilder('tiny', names ? { names } : {});
  const x = g.input('x', 'float', ['N', 2]);
  const w = g.floats('w', [1, 2, 3, 4], [2, 2]);
  const y = g.op('MatMul', [x, w]);
  const flat = g.op('Reshape', [y, g.ints('shape', [-1], [1])]);
  g.node('Mul', [flat, g.floats('two', [2], [1])], { outputs: ['out'] });
  g.output('out', 'float', ['M']);
  return g.toBytes();
}

async function runTiny(bytes: Uint8Array): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const res = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1]), [1, 2]) });
  await session.release();
  return Array.from(res.out?.data as Float32Array);
}

describe('GraphBuilder', () => {
  it('builds a runnable graph with typed attributes and int64 initializers, in either naming', async () => {
    for (const names of ['short', 'readable'] as const) {
      const bytes = tiny(names);
      expect(decodeModel(bytes).graph?.node?.map((n) => n.opType)).toEqual(['MatMul', 'Reshape', 'Mul']);
      expect(await runTiny(bytes)).toEqual([8, 12]);
    }
  });

  it('short naming (default): generated `_<base62>` names, unnamed nodes, no empty domain or doc string; inputs and named outputs kept', () => {
    const model = decodeModel(tiny());
    const graph = model.graph;
    expect(graph?.input?.map((i) => i.name)).toEqual(['x']);
    expect(graph?.output?.map((o) => o.name)).toEqual(['out']);
    expect(graph?.initializer?.map((t) => t.name)).toEqual(['_0', '_2', '_4']);
    expect(graph?.node?.map((n) => [...(n.input ?? []), '→', ...(n.output ?? [])])).toEqual([
      ['x', '_0', '→', '_1'],
      ['_1', '_2', '→', '_3'],
      ['_3', '_4', '→', 'out'],
    ]);
    for (const n of graph?.node ?? []) {
      expect(Object.hasOwn(n, 'name')).toBe(false);
      expect(Object.hasOwn(n, 'domain')).toBe(false);
    }
    expect(Object.hasOwn(model, 'docString')).toBe(false);
    expect(tiny().length).toBeLessThan(tiny('readable').length);
  });

  it('readable naming keeps the given initializer names and names nodes after their hints', () => {
    const graph = decodeModel(tiny('readable')).graph;
    expect(graph?.initializer?.map((t) => t.name)).toEqual(['w', 'shape', 'two']);
    expect(graph?.node?.map((n) => n.name)).toEqual(['matmul_0', 'reshape_1', 'mul_2']);
  });

  it('counts past 62 names in base 62 and skips names already taken', () => {
    const g = new GraphBuilder('many');
    const x = g.input('_3', 'float', ['N', 1]);
    const names = Array.from({ length: 64 }, () => g.op('Relu', [x]));
    expect(names.slice(0, 4)).toEqual(['_0', '_1', '_2', '_4']);
    expect(names.slice(59)).toEqual(['_Y', '_Z', '_10', '_11', '_12']);
  });

  it('stores identical constants once in short naming (same type, shape and values), not in readable naming', () => {
    const g = new GraphBuilder('shared');
    const a = g.floats('a', [1, 2], [2]);
    expect(g.floats('b', [1, 2], [2])).toBe(a);
    expect(g.floats('c', [1, 2], [1, 2])).not.toBe(a);
    expect(g.ints('d', [1, 2], [2])).not.toBe(a);
    expect(g.floats('e', [1, 2.5], [2])).not.toBe(a);
    expect(g.floats('f', [-0], [])).not.toBe(g.floats('g', [0], []));
    expect(decodeModel(g.toBytes()).graph?.initializer).toHaveLength(6);
    const r = new GraphBuilder('readable', { names: 'readable' });
    expect(r.floats('a', [1, 2], [2])).toBe('a');
    expect(r.floats('b', [1, 2], [2])).toBe('b');
  });

  it('rejects duplicate tensor names and wrongly sized initializers', () => {
    const g = new GraphBuilder('bad');
    const x = g.input('x', 'float', [1]);
    const code = expect.objectContaining({ code: TrainerErrorCodes.ONNX_GRAPH_INVALID });
    expect(() => g.input('x', 'float', [1])).toThrow(code);
    expect(() => g.node('Relu', [x], { outputs: ['x'] })).toThrow(code);
    // A generated name cannot be claimed afterwards (inputs are declared before the nodes using them).
    g.op('Relu', [x]);
    expect(() => g.input('_0', 'float', [1])).toThrow(code);
    expect(() => g.floats('y', [1, 2], [3])).toThrow(code);
    const r = new GraphBuilder('bad', { names: 'readable' });
    r.input('x', 'float', [1]);
    expect(() => r.floats('x', [1], [1])).toThrow(code);
  });
});

describe('float16 conversion', () => {
  it('rounds to the nearest half (ties to even), saturates to ∞ and keeps NaN', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [1e9, 0x7c00],
      [-Infinity, 0xfc00],
      [1 / 3, 0x3555],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -26, 0x0000],
      [3 * 2 ** -25, 0x0002],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [1 + 2 ** -11 + 2 ** -20, 0x3c01],
    ];
    for (const [v, bits] of cases) expect(toFloat16Bits(v), String(v)).toBe(bits);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('round-trips every finite half exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++)
      if ((h & 0x7c00) !== 0x7c00 && toFloat16Bits(fromFloat16Bits(h)) !== h) wrong.push(h);
    expect(wrong).toEqual([]);
  });

  it('halves() stores raw little-endian FLOAT16 data that onnxruntime casts back to the same values', async () => {
    const values = [1, -2, 1 / 3, 65504, 2 ** -24, 0.1];
    const g = new GraphBuilder('half');
    const x = g.input('x', 'float', [values.length]);
    const h = g.op('Cast', [g.halves('h', values, [values.length])], { attrs: { to: { int: 1 } } });
    g.node('Add', [x, h], { outputs: ['y'] });
    g.output('y', 'float', [values.length]);
    const bytes = g.toBytes();
    const t = decodeModel(bytes).graph?.initializer?.[0];
    expect(t?.dataType).toBe(10);
    expect(t?.rawData?.length).toBe(2 * values.length);
    const session = await ort.InferenceSession.create(bytes);
    const res = await session.run({ x: new ort.Tensor('float32', new Float32Array(values.length), [values.length]) });
    await session.release();
    expect(Array.from(res.y?.data as Float32Array)).toEqual(values.map((v) => fromFloat16Bits(toFloat16Bits(v))));
  });
});
