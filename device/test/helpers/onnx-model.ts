import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export const CATEGORIES = ['a', 'b', 'c'] as const;
export const CATEGORY_WEIGHTS = [10, 20, 30] as const;
export const X_WEIGHT = 2;

/**
 * A tiny regression graph with the trainer's input conventions: float `x` [N,1] and string `c`
 * [N,1] → OneHotEncoder(a,b,c; unseen → zeros) → Concat → MatMul + Add → `prediction` [N,1].
 * prediction = 2·x + {a:10, b:20, c:30, other:0}[c] + bias.
 */
export function tinyRegressionModel(bias: number): Uint8Array {
  const vi = (name: string, elem: number, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: elem,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  const model = {
    irVersion: 8,
    producerName: 'outpost-device-test',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: 'tiny',
      input: [vi('x', T.FLOAT, ['N', 1]), vi('c', T.STRING, ['N', 1])],
      output: [vi('prediction', T.FLOAT, ['N', 1])],
      initializer: [
        { name: 'shape', dataType: T.INT64, dims: [2], int64Data: [-1, CATEGORIES.length] },
        { name: 'w', dataType: T.FLOAT, dims: [1 + CATEGORIES.length, 1], floatData: [X_WEIGHT, ...CATEGORY_WEIGHTS] },
        { name: 'b', dataType: T.FLOAT, dims: [1], floatData: [bias] },
      ],
      node: [
        {
          opType: 'OneHotEncoder',
          domain: 'ai.onnx.ml',
          input: ['c'],
          output: ['hot'],
          name: 'onehot',
          attribute: [
            { name: 'cats_strings', type: A.STRINGS, strings: CATEGORIES.map(utf8) },
            { name: 'zeros', type: A.INT, i: 1 },
          ],
        },
        { opType: 'Reshape', input: ['hot', 'shape'], output: ['hot2'], name: 'flat' },
        {
          opType: 'Concat',
          input: ['x', 'hot2'],
          output: ['features'],
          name: 'concat',
          attribute: [{ name: 'axis', type: A.INT, i: 1 }],
        },
        { opType: 'MatMul', input: ['features', 'w'], output: ['linear'], name: 'matmul' },
        { opType: 'Add', input: ['linear', 'b'], output: ['prediction'], name: 'add' },
      ],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** The same function by hand, for golden outputs and assertions. */
export function expected(x: number, c: string, bias: number): number {
  const i = (CATEGORIES as readonly string[]).indexOf(c);
  return Math.fround(Math.fround(X_WEIGHT * x) + (i < 0 ? 0 : (CATEGORY_WEIGHTS[i] as number)) + bias);
}

/** The table `lookupModel` reads. */
export const LOOKUP_TABLE = [10, 20, 30] as const;

/**
 * A graph that fails at run time for some inputs: float `x` [N,1] → Cast to int64 → Gather from
 * LOOKUP_TABLE → `prediction` [N,1]. An `x` outside [-3, 2] is an index out of bounds, which
 * onnxruntime refuses when it runs (the graph loads fine).
 */
export function lookupModel(): Uint8Array {
  const vi = (name: string, elem: number) => ({
    name,
    type: { tensorType: { elemType: elem, shape: { dim: [{ dimParam: 'N' }, { dimValue: 1 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'outpost-device-test',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'lookup',
      input: [vi('x', T.FLOAT)],
      output: [vi('prediction', T.FLOAT)],
      initializer: [{ name: 'table', dataType: T.FLOAT, dims: [LOOKUP_TABLE.length], floatData: [...LOOKUP_TABLE] }],
      node: [
        {
          opType: 'Cast',
          input: ['x'],
          output: ['index'],
          name: 'cast',
          attribute: [{ name: 'to', type: A.INT, i: T.INT64 }],
        },
        { opType: 'Gather', input: ['table', 'index'], output: ['prediction'], name: 'gather' },
      ],
    },
  }).finish();
}
