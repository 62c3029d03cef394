import * as flatbuffers from 'flatbuffers';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { quantizeSymmetric } from '../onnx/quantize.ts';
import * as S from './schema.ts';

/**
 * Writes a .tflite flatbuffer for a stack of dense layers: input [1, in] float32 →
 * FULLY_CONNECTED (weights [out, in], bias [out], ReLU fused) … → the last layer's activation →
 * output. The batch is fixed at 1: tfjs-tflite's runner cannot resize inputs, and a device
 * predicts one reading at a time.
 *
 * Activations: 'identity', 'relu' (fused), 'sigmoid' (LOGISTIC), 'softmax' (SOFTMAX, beta 1), and
 * 'binary' for a one-unit logit layer: the layer is written with two units (w, −w) giving
 * [z, −z], then EXP, ADD 1 and DIV 1 / · give [1 / (1 + eᶻ), 1 / (1 + e⁻ᶻ)] = [P(0), P(1)] — the
 * ONNX exporter's own binary head (onnx/heads/common.ts `binaryFromLogit`), op for op, so both
 * files compute the same probabilities (LOGISTIC may be approximated by a kernel).
 *
 * Weight storage: a layer that carries `int8` (q and scales, e.g. read from an int8 model.onnx)
 * is written as those INT8 numbers, a DEQUANTIZE op to float (per tensor, or per output channel),
 * then float math — computing what ONNX's DequantizeLinear + Gemm computes. Other layers follow
 * `quant`:
 *  - 'float': float32 weights;
 *  - 'int8-weights': int8 weights quantized here with per-output-channel symmetric scales
 *    (onnx/quantize.ts), behind DEQUANTIZE as above;
 *  - 'int8': "hybrid" layers: int8 weights with one per-tensor scale, float bias, float
 *    activations (TFLite quantizes each input row on the fly, asymmetrically, inside the kernel):
 *    smaller and different from any ONNX file, so never shipped in an artifact (bench only).
 */
export type TfliteActivation = 'identity' | 'relu' | 'sigmoid' | 'softmax' | 'binary';
export type TfliteQuant = 'float' | 'int8-weights' | 'int8';

export interface TfliteDense {
  /** in × out row-major (the ONNX MatMul layout); transposed to TFLite's [out, in] here. */
  weights: ArrayLike<number>;
  bias: ArrayLike<number>;
  in: number;
  out: number;
  activation: TfliteActivation;
  /** int8 weights to store as they are (q in × out row-major; one scale, or one per output). */
  int8?: { q: ArrayLike<number>; scales: ArrayLike<number> };
}

export interface TfliteWriteOptions {
  quant?: TfliteQuant;
  inputName?: string;
  outputName?: string;
  description?: string;
  /** Named byte blobs stored as Model.metadata (e.g. the input transform as JSON). */
  metadata?: Record<string, Uint8Array>;
}

interface TensorDef {
  shape: number[];
  type: number;
  buffer: number;
  name: string;
  scale?: number[];
  /** Axis of per-channel scales (with scale.length > 1). */
  axis?: number;
}

interface OpDef {
  code: number;
  inputs: number[];
  outputs: number[];
  options?: { type: number; write: (b: flatbuffers.Builder) => number };
}

export function writeTflite(layers: readonly TfliteDense[], opts: TfliteWriteOptions = {}): Uint8Array {
  if (layers.length === 0)
    throw trainerError(TrainerErrorCodes.TFLITE_MODEL_INVALID, 'a TFLite model needs at least one layer');
  const quant = opts.quant ?? 'float';
  const buffers: Uint8Array[] = [new Uint8Array(0)]; // buffer 0: the empty sentinel for activations
  const tensors: TensorDef[] = [];
  const ops: OpDef[] = [];
  const addBuffer = (bytes: Uint8Array): number => buffers.push(bytes) - 1;
  const addTensor = (t: TensorDef): number => tensors.push(t) - 1;
  const activation = (shape: number[], name: string): number =>
    addTensor({ shape, type: S.TensorType.FLOAT32, buffer: 0, name });
  const outputName = opts.outputName ?? 'prediction';

  const first = layers[0] as TfliteDense;
  let x = activation([1, first.in], opts.inputName ?? 'input');
  layers.forEach((layer, i) => {
    if (
      layer.weights.length !== layer.in * layer.out ||
      layer.bias.length !== layer.out ||
      (i > 0 && (layers[i - 1] as TfliteDense).out !== layer.in)
    ) {
      throw trainerError(
        TrainerErrorCodes.TFLITE_MODEL_INVALID,
        `TFLite layer ${i}: shapes do not chain (${layer.in}→${layer.out}, ${layer.weights.length} weights, ${layer.bias.length} biases)`,
        { layer: i },
      );
    }
    if (layer.activation === 'binary' && (layer.out !== 1 || i !== layers.length - 1)) {
      throw trainerError(
        TrainerErrorCodes.TFLITE_MODEL_INVALID,
        `TFLite layer ${i}: a binary head is the last layer, with one logit unit`,
        { layer: i },
      );
    }
    const l = layer.activation === 'binary' ? withNegatedUnit(layer) : layer;
    const last = i === layers.length - 1;
    const wi = weightTensor(l, quant, `layer${i}_weights`, addBuffer, addTensor, ops);
    const bi = addTensor({
      shape: [l.out],
      type: S.TensorType.FLOAT32,
      buffer: addBuffer(floatBytes(Float32Array.from(l.bias))),
      name: `layer${i}_bias`,
    });
    const separate = l.activation !== 'identity' && l.activation !== 'relu';
    const y = activation([1, l.out], last && !separate ? outputName : `layer${i}_out`);
    const fused = l.activation === 'relu' ? S.ActivationFunctionType.RELU : S.ActivationFunctionType.NONE;
    ops.push({
      code: S.BuiltinOperator.FULLY_CONNECTED,
      inputs: [x, wi, bi],
      outputs: [y],
      options: {
        type: S.BuiltinOptions.FullyConnectedOptions,
        write: (b) => fcOptions(b, fused, quant === 'int8' && !l.int8),
      },
    });
    x = y;
    if (!separate) return;
    const name = last ? outputName : `layer${i}_act`;
    if (l.activation === 'sigmoid') {
      const z = activation([1, l.out], name);
      ops.push({ code: S.BuiltinOperator.LOGISTIC, inputs: [x], outputs: [z] });
      x = z;
    } else if (l.activation === 'softmax') {
      const z = activation([1, l.out], name);
      ops.push({
        code: S.BuiltinOperator.SOFTMAX,
        inputs: [x],
        outputs: [z],
        options: { type: S.BuiltinOptions.SoftmaxOptions, write: softmaxOptions },
      });
      x = z;
    } else {
      // 'binary': [z, −z] → 1 / (1 + exp(·)).
      const ones = addTensor({
        shape: [1, 2],
        type: S.TensorType.FLOAT32,
        buffer: addBuffer(floatBytes(Float32Array.of(1, 1))),
        name: `layer${i}_one`,
      });
      const e = activation([1, 2], `layer${i}_exp`);
      const d = activation([1, 2], `layer${i}_denominator`);
      const p = activation([1, 2], name);
      ops.push({ code: S.BuiltinOperator.EXP, inputs: [x], outputs: [e] });
      ops.push({
        code: S.BuiltinOperator.ADD,
        inputs: [ones, e],
        outputs: [d],
        options: { type: S.BuiltinOptions.AddOptions, write: (b) => activationOnly(b, S.AddOptions.fields) },
      });
      ops.push({
        code: S.BuiltinOperator.DIV,
        inputs: [ones, d],
        outputs: [p],
        options: { type: S.BuiltinOptions.DivOptions, write: (b) => activationOnly(b, S.DivOptions.fields) },
      });
      x = p;
    }
  });
  const metadata = Object.entries(opts.metadata ?? {}).map(([name, bytes]) => ({ name, buffer: addBuffer(bytes) }));
  return serialise({
    buffers,
    tensors,
    ops,
    input: 0,
    output: x,
    description: opts.description ?? 'outpost dense model',
    metadata,
  });
}

/** A one-unit logit layer as two units: column 0 the weights, column 1 their exact negation. */
function withNegatedUnit(l: TfliteDense): TfliteDense {
  const pair = (v: ArrayLike<number>): number[] =>
    Array.from({ length: l.in * 2 }, (_, k) => (k % 2 === 0 ? 1 : -1) * (v[k >> 1] as number));
  const b = l.bias[0] as number;
  const out: TfliteDense = { ...l, weights: pair(l.weights), bias: [b, -b], out: 2 };
  if (l.int8) {
    const scales = Array.from(l.int8.scales);
    out.int8 = { q: pair(l.int8.q), scales: scales.length > 1 ? [scales[0] as number, scales[0] as number] : scales };
  }
  return out;
}

function weightTensor(
  l: TfliteDense,
  quant: TfliteQuant,
  name: string,
  addBuffer: (b: Uint8Array) => number,
  addTensor: (t: TensorDef) => number,
  ops: OpDef[],
): number {
  const shape = [l.out, l.in];
  /** in × out row-major → TFLite's [out, in]. */
  const transposed = <T extends Float32Array | Int8Array>(into: T, from: ArrayLike<number>): T => {
    for (let i = 0; i < l.in; i++) for (let j = 0; j < l.out; j++) into[j * l.in + i] = from[i * l.out + j] as number;
    return into;
  };
  if (!l.int8 && quant === 'float') {
    return addTensor({
      shape,
      type: S.TensorType.FLOAT32,
      buffer: addBuffer(floatBytes(transposed(new Float32Array(l.in * l.out), l.weights))),
      name,
    });
  }
  if (!l.int8 && quant === 'int8') {
    // Hybrid: per-tensor scale, the kernel quantizes its input rows.
    const { q, scales } = quantizeSymmetric(l.weights, l.in, l.out, 'per-tensor');
    if (l.activation === 'binary') for (let i = 0; i < l.in; i++) q[i * 2 + 1] = -(q[i * 2] as number);
    return addTensor({
      shape,
      type: S.TensorType.INT8,
      buffer: addBuffer(new Uint8Array(transposed(new Int8Array(l.in * l.out), q).buffer)),
      name,
      scale: Array.from(scales),
    });
  }
  let int8 = l.int8;
  if (!int8) {
    const { q, scales } = quantizeSymmetric(l.weights, l.in, l.out, 'per-channel');
    if (l.activation === 'binary') for (let i = 0; i < l.in; i++) q[i * 2 + 1] = -(q[i * 2] as number);
    int8 = { q, scales };
  }
  if (int8.q.length !== l.in * l.out || (int8.scales.length !== 1 && int8.scales.length !== l.out)) {
    throw trainerError(
      TrainerErrorCodes.TFLITE_MODEL_INVALID,
      `TFLite ${name}: ${int8.q.length} int8 weights and ${int8.scales.length} scales for ${l.in}→${l.out}`,
    );
  }
  const perChannel = int8.scales.length > 1;
  const t = transposed(new Int8Array(l.in * l.out), int8.q);
  const qi = addTensor({
    shape,
    type: S.TensorType.INT8,
    buffer: addBuffer(new Uint8Array(t.buffer)),
    name: `${name}_int8`,
    scale: Array.from(int8.scales),
    ...(perChannel ? { axis: 0 } : {}),
  });
  const w = addTensor({ shape, type: S.TensorType.FLOAT32, buffer: 0, name });
  ops.push({ code: S.BuiltinOperator.DEQUANTIZE, inputs: [qi], outputs: [w] });
  return w;
}

function floatBytes(values: Float32Array): Uint8Array {
  // flatbuffers and TFLite are little-endian; so are Float32Array on every target we run.
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function fcOptions(b: flatbuffers.Builder, fused: number, hybrid: boolean): number {
  b.startObject(S.FullyConnectedOptions.fields);
  b.addFieldInt8(S.FullyConnectedOptions.fused_activation_function, fused, S.ActivationFunctionType.NONE);
  if (hybrid) b.addFieldInt8(S.FullyConnectedOptions.asymmetric_quantize_inputs, 1, 0);
  return b.endObject();
}

/** Options tables whose only field is fused_activation_function (slot 0), written as NONE. */
function activationOnly(b: flatbuffers.Builder, fields: number): number {
  b.startObject(fields);
  b.addFieldInt8(0, S.ActivationFunctionType.NONE, -1);
  return b.endObject();
}

function softmaxOptions(b: flatbuffers.Builder): number {
  b.startObject(S.SoftmaxOptions.fields);
  b.addFieldFloat32(S.SoftmaxOptions.beta, 1, 0);
  return b.endObject();
}

function intVector(b: flatbuffers.Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] as number);
  return b.endVector();
}

function offsetVector(b: flatbuffers.Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as number);
  return b.endVector();
}

interface Parts {
  buffers: Uint8Array[];
  tensors: TensorDef[];
  ops: OpDef[];
  input: number;
  output: number;
  description: string;
  metadata: { name: string; buffer: number }[];
}

function serialise(p: Parts): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const codes = [...new Set(p.ops.map((o) => o.code))];
  const bufferOffsets = p.buffers.map((bytes) => {
    let data = 0;
    if (bytes.length > 0) {
      b.startVector(1, bytes.length, 16); // schema: force_align 16
      for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i] as number);
      data = b.endVector();
    }
    b.startObject(S.Buffer.fields);
    if (data) b.addFieldOffset(S.Buffer.data, data, 0);
    return b.endObject();
  });
  const tensorOffsets = p.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = intVector(b, t.shape);
    let quant = 0;
    if (t.scale) {
      const scale = createFloats(b, t.scale);
      b.startVector(8, t.scale.length, 8);
      for (let i = t.scale.length - 1; i >= 0; i--) b.addInt64(0n);
      const zero = b.endVector();
      b.startObject(S.QuantizationParameters.fields);
      b.addFieldOffset(S.QuantizationParameters.scale, scale, 0);
      b.addFieldOffset(S.QuantizationParameters.zero_point, zero, 0);
      if (t.axis !== undefined) b.addFieldInt32(S.QuantizationParameters.quantized_dimension, t.axis, -1);
      quant = b.endObject();
    }
    b.startObject(S.Tensor.fields);
    b.addFieldOffset(S.Tensor.shape, shape, 0);
    b.addFieldInt8(S.Tensor.type, t.type, -1); // -1: always written, FLOAT32 (0) included
    b.addFieldInt32(S.Tensor.buffer, t.buffer, -1);
    b.addFieldOffset(S.Tensor.name, name, 0);
    if (quant) b.addFieldOffset(S.Tensor.quantization, quant, 0);
    return b.endObject();
  });
  const opOffsets = p.ops.map((o) => {
    const inputs = intVector(b, o.inputs);
    const outputs = intVector(b, o.outputs);
    const options = o.options ? o.options.write(b) : 0;
    b.startObject(S.Operator.fields);
    b.addFieldInt32(S.Operator.opcode_index, codes.indexOf(o.code), -1);
    b.addFieldOffset(S.Operator.inputs, inputs, 0);
    b.addFieldOffset(S.Operator.outputs, outputs, 0);
    if (o.options) {
      b.addFieldInt8(S.Operator.builtin_options_type, o.options.type, 0);
      b.addFieldOffset(S.Operator.builtin_options, options, 0);
    }
    return b.endObject();
  });
  const tensorsVec = offsetVector(b, tensorOffsets);
  const sgInputs = intVector(b, [p.input]);
  const sgOutputs = intVector(b, [p.output]);
  const opsVec = offsetVector(b, opOffsets);
  const sgName = b.createString('main');
  b.startObject(S.SubGraph.fields);
  b.addFieldOffset(S.SubGraph.tensors, tensorsVec, 0);
  b.addFieldOffset(S.SubGraph.inputs, sgInputs, 0);
  b.addFieldOffset(S.SubGraph.outputs, sgOutputs, 0);
  b.addFieldOffset(S.SubGraph.operators, opsVec, 0);
  b.addFieldOffset(S.SubGraph.name, sgName, 0);
  const subgraph = b.endObject();
  const codeOffsets = codes.map((c) => {
    b.startObject(S.OperatorCode.fields);
    b.addFieldInt8(S.OperatorCode.deprecated_builtin_code, Math.min(c, 127), -1);
    b.addFieldInt32(S.OperatorCode.version, 1, -1);
    b.addFieldInt32(S.OperatorCode.builtin_code, c, -1);
    return b.endObject();
  });
  const metaOffsets = p.metadata.map((m) => {
    const name = b.createString(m.name);
    b.startObject(S.Metadata.fields);
    b.addFieldOffset(S.Metadata.name, name, 0);
    b.addFieldInt32(S.Metadata.buffer, m.buffer, -1);
    return b.endObject();
  });
  const codesVec = offsetVector(b, codeOffsets);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const description = b.createString(p.description);
  const buffersVec = offsetVector(b, bufferOffsets);
  const metaVec = metaOffsets.length > 0 ? offsetVector(b, metaOffsets) : 0;
  b.startObject(S.Model.fields);
  b.addFieldInt32(S.Model.version, S.TFLITE_SCHEMA_VERSION, -1);
  b.addFieldOffset(S.Model.operator_codes, codesVec, 0);
  b.addFieldOffset(S.Model.subgraphs, subgraphsVec, 0);
  b.addFieldOffset(S.Model.description, description, 0);
  b.addFieldOffset(S.Model.buffers, buffersVec, 0);
  if (metaVec) b.addFieldOffset(S.Model.metadata, metaVec, 0);
  b.finish(b.endObject(), S.TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

function createFloats(b: flatbuffers.Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] as number);
  return b.endVector();
}
