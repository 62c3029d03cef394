/**
 * The dense layers of an exported ONNX model as the graph computes them: for each Gemm (or MatMul
 * followed by Add) whose weights and bias are constants, the float32 values the runtime uses —
 * float initializers as stored, int8 initializers through DequantizeLinear (per-tensor or
 * per-axis scales, zero point 0), float16 initializers through Cast. int8 weights are kept as
 * their q and scales, so a .tflite can store the very same int8 numbers.
 *
 * This reads the shipped file rather than re-deriving its quantization, so model.tflite mirrors
 * model.onnx whatever weight and bias storage the int8 export chose. A structure it does not know
 * fails with OUTPOST_ERR_TFLITE_MODEL_INVALID (and the artifact then has no .tflite).
 */
import onnxProto from 'onnx-proto';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { decodeModel, fromFloat16Bits } from '../onnx/graph-builder.ts';

type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;
const { DataType } = onnxProto.onnx.TensorProto;

export interface Int8Weights {
  /** in × out row-major, as the float weights. */
  q: Int8Array;
  /** One scale (per tensor) or one per output column. */
  scales: Float32Array;
}

export interface OnnxDense {
  in: number;
  out: number;
  /** in × out row-major float32 values the graph multiplies by. */
  weights: Float32Array;
  bias: Float32Array;
  /** Present when the weights are int8 behind a DequantizeLinear. */
  int8?: Int8Weights;
}

interface Constant {
  dims: number[];
  values: Float32Array;
  int8?: Int8Weights;
}

function fail(message: string): Error {
  return trainerError(TrainerErrorCodes.TFLITE_MODEL_INVALID, `reading the ONNX dense layers: ${message}`, {
    reason: 'onnx-structure',
  });
}

function dimsOf(t: Tensor): number[] {
  return (t.dims ?? []).map(Number);
}

function rawBytes(t: Tensor): Uint8Array {
  const raw = t.rawData;
  if (!raw || raw.length === 0) return new Uint8Array(0);
  return Uint8Array.from(raw);
}

function initializerValues(t: Tensor): { values: Float32Array; int8?: Int8Array } {
  const raw = rawBytes(t);
  switch (t.dataType) {
    case DataType.FLOAT:
      if (raw.length > 0) return { values: new Float32Array(raw.buffer, 0, raw.length / 4).slice() };
      return { values: Float32Array.from(t.floatData ?? []) };
    case DataType.FLOAT16: {
      const halves =
        raw.length > 0 ? new Uint16Array(raw.buffer, 0, raw.length / 2) : Uint16Array.from(t.int32Data ?? []);
      return { values: Float32Array.from(halves, fromFloat16Bits) };
    }
    case DataType.INT8: {
      const q = raw.length > 0 ? new Int8Array(raw.buffer, 0, raw.length).slice() : Int8Array.from(t.int32Data ?? []);
      return { values: Float32Array.from(q), int8: q };
    }
    default:
      throw fail(`initializer ${t.name} has data type ${t.dataType}`);
  }
}

function intAttr(node: Node, name: string): number | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? Number(a.i ?? 0) : undefined;
}

function floatAttr(node: Node, name: string): number | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? Number(a.f ?? 0) : undefined;
}

class ConstantResolver {
  private readonly initializers = new Map<string, Tensor>();
  private readonly producers = new Map<string, Node>();

  constructor(nodes: readonly Node[], initializers: readonly Tensor[]) {
    for (const t of initializers) this.initializers.set(t.name ?? '', t);
    for (const n of nodes) for (const o of n.output ?? []) this.producers.set(o, n);
  }

  resolve(name: string): Constant {
    const init = this.initializers.get(name);
    if (init) {
      const { values, int8 } = initializerValues(init);
      return { dims: dimsOf(init), values, ...(int8 ? { int8: { q: int8, scales: new Float32Array(0) } } : {}) };
    }
    const node = this.producers.get(name);
    if (!node) throw fail(`${name} is neither an initializer nor a node output`);
    const inputs = node.input ?? [];
    if (node.opType === 'DequantizeLinear') {
      const x = this.resolve(inputs[0] ?? '');
      const scale = this.resolve(inputs[1] ?? '');
      if (inputs[2]) {
        const zero = this.resolve(inputs[2]);
        if (zero.values.some((z) => z !== 0)) throw fail(`DequantizeLinear ${name} has a non-zero zero point`);
      }
      if (!x.int8) throw fail(`DequantizeLinear ${name} does not read int8 constants`);
      const perAxis = scale.values.length > 1;
      const rank = x.dims.length;
      const axis = ((intAttr(node, 'axis') ?? 1) + rank) % rank;
      const stride = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      const size = x.dims[axis] ?? 1;
      if (perAxis && scale.values.length !== size)
        throw fail(`DequantizeLinear ${name}: ${scale.values.length} scales for axis ${axis} of size ${size}`);
      const values = Float32Array.from(
        x.values,
        (q, i) => q * (scale.values[perAxis ? Math.floor(i / stride) % size : 0] as number),
      );
      return { dims: x.dims, values, int8: { q: x.int8.q, scales: scale.values } };
    }
    if (node.opType === 'Cast' && intAttr(node, 'to') === DataType.FLOAT) {
      const x = this.resolve(inputs[0] ?? '');
      return { dims: x.dims, values: x.values };
    }
    throw fail(`${name} comes from a ${node.opType} node`);
  }
}

function checkGemm(node: Node): void {
  const bad =
    (intAttr(node, 'transA') ?? 0) !== 0 ||
    (intAttr(node, 'transB') ?? 0) !== 0 ||
    (floatAttr(node, 'alpha') ?? 1) !== 1 ||
    (floatAttr(node, 'beta') ?? 1) !== 1;
  if (bad) throw fail('a Gemm node with transposes or scaling');
}

/** Every dense layer of the ONNX model, in graph order. */
export function onnxDenseLayers(bytes: Uint8Array): OnnxDense[] {
  const graph = decodeModel(bytes).graph;
  const nodes = graph?.node ?? [];
  const constants = new ConstantResolver(nodes, graph?.initializer ?? []);
  const consumers = new Map<string, Node[]>();
  for (const n of nodes) for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const layers: OnnxDense[] = [];
  for (const node of nodes) {
    let wName: string;
    let bName: string;
    if (node.opType === 'Gemm') {
      checkGemm(node);
      [, wName = '', bName = ''] = node.input ?? [];
    } else if (node.opType === 'MatMul') {
      const add = consumers.get(node.output?.[0] ?? '')?.find((c) => c.opType === 'Add');
      if (!add) throw fail('a MatMul without its bias Add');
      wName = node.input?.[1] ?? '';
      bName = (add.input ?? []).find((i) => i !== node.output?.[0]) ?? '';
    } else if (node.opType === 'MatMulInteger') {
      throw fail('int8 activations (MatMulInteger) have no TFLite mirror here');
    } else continue;
    const w = constants.resolve(wName);
    const b = constants.resolve(bName);
    const [inDim = 0, outDim = 0] = w.dims;
    if (w.dims.length !== 2 || b.values.length !== outDim)
      throw fail(`a dense layer with weights [${w.dims.join(', ')}] and ${b.values.length} biases`);
    const layer: OnnxDense = { in: inDim, out: outDim, weights: w.values, bias: b.values };
    if (w.int8 && w.int8.scales.length > 0) layer.int8 = w.int8;
    else if (w.int8) throw fail('int8 weights used without DequantizeLinear');
    layers.push(layer);
  }
  return layers;
}
