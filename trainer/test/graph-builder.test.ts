import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { GraphBuilder, decodeModel } from '../src/onnx/graph-builder.ts';
import { TrainerErrorCodes } from '../src/errors.ts';

describe('GraphBuilder', () => {
  it('builds a runnable graph with typed attributes and int64 initializers', async () => {
    const g = new GraphBuilder('tiny');
    const x = g.input('x', 'float', ['N', 2]);
    const w = g.floats('w', [1, 2, 3, 4], [2, 2]);
    const y = g.op('MatMul', [x, w]);
    const flat = g.op('Reshape', [y, g.ints('shape', [-1], [1])]);
    g.node('Mul', [flat, g.floats('two', [2], [1])], { outputs: ['out'] });
    g.output('out', 'float', ['M']);
    const bytes = g.toBytes();
    expect(decodeModel(bytes).graph?.node?.map((n) => n.opType)).toEqual(['MatMul', 'Reshape', 'Mul']);
    const session = await ort.InferenceSession.create(bytes);
    const res = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1]), [1, 2]) });
    expect(Array.from(res.out?.data as Float32Array)).toEqual([8, 12]);
    await session.release();
  });

  it('rejects duplicate tensor names and wrongly sized initializers', () => {
    const g = new GraphBuilder('bad');
    g.input('x', 'float', [1]);
    expect(() => g.floats('x', [1], [1])).toThrow(expect.objectContaining({ code: TrainerErrorCodes.ONNX_GRAPH_INVALID }));
    expect(() => g.floats('y', [1, 2], [3])).toThrow(expect.objectContaining({ code: TrainerErrorCodes.ONNX_GRAPH_INVALID }));
  });
});
