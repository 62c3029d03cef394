import onnxProto from 'onnx-proto';
import { TrainerErrorCodes, trainerError } from '../errors.ts';

/**
 * A small builder for ONNX graphs: typed inputs/outputs, initializers, nodes with typed
 * attributes, and serialisation to model bytes. Learners (linear, trees, MLP) share it.
 * Serialisation is deterministic: the same calls give the same bytes.
 *
 * Names: graph inputs and explicitly named node outputs (`outputs:`) keep the names given. Every
 * other tensor is named by the builder, and callers use the name a method returns:
 *  - 'short' (default, what artifacts ship): `_` + a base-62 counter (`_0`, `_a`, `_Z`, `_10`…),
 *    nodes unnamed, and identical initializers (same type, shape and bytes) stored once — in a small
 *    dense model the readable names cost more bytes than the int8 weights save (bench/quantization.ts);
 *  - 'readable': the given initializer names and `<hint>_<n>` intermediates and node names, for
 *    inspecting a graph by eye.
 */
const { onnx } = onnxProto;
export type OnnxModelProto = onnxProto.onnx.IModelProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const ElemType = {
  float: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  string: onnx.TensorProto.DataType.STRING,
  bool: onnx.TensorProto.DataType.BOOL,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32,
  float16: onnx.TensorProto.DataType.FLOAT16,
} as const;
export type ElemTypeName = keyof typeof ElemType;

/** A dimension: a fixed size or a symbolic name such as 'N' (the batch). */
export type Dim = number | string;

/** Attribute values with explicit types, since JS numbers cannot tell int from float. */
export type Attr =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { strings: readonly string[] };

const A = onnx.AttributeProto.AttributeType;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function attribute(name: string, value: Attr): AttributeProto {
  if ('int' in value) return { name, type: A.INT, i: value.int };
  if ('float' in value) return { name, type: A.FLOAT, f: value.float };
  if ('string' in value) return { name, type: A.STRING, s: utf8(value.string) };
  if ('ints' in value) return { name, type: A.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: A.FLOATS, floats: [...value.floats] };
  return { name, type: A.STRINGS, strings: value.strings.map(utf8) };
}

function valueInfo(name: string, elem: ElemTypeName, dims: readonly Dim[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ElemType[elem], shape: { dim } } } };
}

export interface Opset {
  domain: string;
  version: number;
}

export const ONNX_IR_VERSION = 8;
export const DEFAULT_OPSETS: readonly Opset[] = [
  { domain: '', version: 17 },
  { domain: 'ai.onnx.ml', version: 3 },
];

export type GraphNaming = 'short' | 'readable';

export interface GraphBuilderOptions {
  /** How intermediate tensors, initializers and nodes are named (default 'short'). */
  names?: GraphNaming;
}

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function base62(n: number): string {
  let s = '';
  do {
    s = BASE62[n % 62] + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  return s;
}

export class GraphBuilder {
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly valueInfos: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly nodes: NodeProto[] = [];
  private readonly names = new Set<string>();
  /** Short naming: initializer content key → its name, so equal constants are stored once. */
  private readonly constants = new Map<string, string>();
  private readonly naming: GraphNaming;
  private counter = 0;

  constructor(
    private readonly graphName: string,
    options: GraphBuilderOptions = {},
  ) {
    this.naming = options.names ?? 'short';
  }

  input(name: string, elem: ElemTypeName, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  output(name: string, elem: ElemTypeName, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /**
   * Declares the type and shape of an intermediate tensor, for ops whose output type checkers
   * cannot infer (e.g. ai.onnx.ml OneHotEncoder in onnx 1.12).
   */
  declare(name: string, elem: ElemTypeName, dims: readonly Dim[]): string {
    this.valueInfos.push(valueInfo(name, elem, dims));
    return name;
  }

  /**
   * A float32 constant; `values.length` must equal the product of `dims`. Returns the tensor's name:
   * `name` in readable naming, a generated one in short naming.
   */
  floats(name: string, values: ArrayLike<number>, dims: readonly number[]): string {
    this.checkSize(name, values.length, dims);
    const data = Float32Array.from(values);
    return this.initializer(
      name,
      { dataType: ElemType.float, dims: [...dims], floatData: Array.from(data) },
      bytesOf(data),
    );
  }

  ints(name: string, values: readonly number[], dims: readonly number[]): string {
    this.checkSize(name, values.length, dims);
    return this.initializer(
      name,
      { dataType: ElemType.int64, dims: [...dims], int64Data: [...values] },
      values.join(','),
    );
  }

  /**
   * A float16 constant (IEEE half, round to nearest even) stored as raw bytes: half the bytes of
   * `floats`, for values whose ~3 significant digits are enough; read it through a Cast to float.
   * Values beyond ±65504 become ±∞: callers check the range first.
   */
  halves(name: string, values: ArrayLike<number>, dims: readonly number[]): string {
    this.checkSize(name, values.length, dims);
    const bits = Uint16Array.from(values, toFloat16Bits);
    const raw = new Uint8Array(bits.length * 2);
    bits.forEach((b, i) => {
      raw[2 * i] = b & 0xff;
      raw[2 * i + 1] = b >> 8;
    });
    return this.initializer(name, { dataType: ElemType.float16, dims: [...dims], rawData: raw }, bytesOf(raw));
  }

  /**
   * An int8 / uint8 constant stored as raw bytes: int32_data would spend up to 10 varint bytes on
   * each negative int8, which defeats quantization.
   */
  bytes(name: string, elem: 'int8' | 'uint8', values: Int8Array | Uint8Array, dims: readonly number[]): string {
    this.checkSize(name, values.length, dims);
    const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    return this.initializer(name, { dataType: ElemType[elem], dims: [...dims], rawData: raw }, bytesOf(raw));
  }

  /**
   * Adds a node and returns its output names. `outputs` may name the tensors (graph outputs must be
   * named); otherwise each gets a generated name (in readable naming, derived from `hint`).
   */
  node(
    opType: string,
    inputs: readonly string[],
    options: {
      outputs?: readonly string[];
      count?: number;
      attrs?: Record<string, Attr>;
      domain?: string;
      hint?: string;
    } = {},
  ): string[] {
    const hint = options.hint ?? opType.toLowerCase();
    const outs = options.outputs
      ? [...options.outputs]
      : Array.from({ length: options.count ?? 1 }, () => this.fresh(hint));
    for (const o of options.outputs ?? []) this.claim(o);
    const attrs = Object.entries(options.attrs ?? {}).map(([k, v]) => attribute(k, v));
    // The default domain '' is left out (as the unset field means the same); so are empty names.
    const node: NodeProto = { opType, input: [...inputs], output: outs, attribute: attrs };
    if (options.domain) node.domain = options.domain;
    if (this.naming === 'readable') node.name = `${hint}_${this.nodes.length}`;
    this.nodes.push(node);
    return outs;
  }

  /** Single-output shorthand for `node`. */
  op(opType: string, inputs: readonly string[], options: Parameters<GraphBuilder['node']>[2] = {}): string {
    return this.node(opType, inputs, { ...options, count: 1 })[0] as string;
  }

  model(options: { producerName?: string; docString?: string; opsets?: readonly Opset[] } = {}): OnnxModelProto {
    return {
      irVersion: ONNX_IR_VERSION,
      producerName: options.producerName ?? 'outpost-trainer',
      ...(options.docString ? { docString: options.docString } : {}),
      opsetImport: (options.opsets ?? DEFAULT_OPSETS).map((o) => ({ domain: o.domain, version: o.version })),
      graph: {
        name: this.graphName,
        input: this.inputs,
        output: this.outputs,
        valueInfo: this.valueInfos,
        initializer: this.initializers,
        node: this.nodes,
      },
    };
  }

  toBytes(options: Parameters<GraphBuilder['model']>[0] = {}): Uint8Array {
    return onnx.ModelProto.encode(this.model(options)).finish();
  }

  private fresh(hint: string): string {
    let name: string;
    do name = this.naming === 'short' ? `_${base62(this.counter++)}` : `${hint}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  /** Adds an initializer (or, in short naming, finds an identical one) and returns its name. */
  private initializer(name: string, tensor: Omit<TensorProto, 'name'>, content: string): string {
    if (this.naming === 'readable') {
      this.claim(name);
      this.initializers.push({ name, ...tensor });
      return name;
    }
    const key = `${tensor.dataType}|${(tensor.dims ?? []).join(',')}|${content}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const fresh = this.fresh(name);
    this.constants.set(key, fresh);
    this.initializers.push({ name: fresh, ...tensor });
    return fresh;
  }

  private claim(name: string): void {
    if (this.names.has(name))
      throw trainerError(TrainerErrorCodes.ONNX_GRAPH_INVALID, `ONNX graph: tensor name ${name} is already used`, {
        name,
      });
    this.names.add(name);
  }

  private checkSize(name: string, got: number, dims: readonly number[]): void {
    const want = dims.reduce((a, b) => a * b, 1);
    if (got !== want)
      throw trainerError(
        TrainerErrorCodes.ONNX_GRAPH_INVALID,
        `ONNX initializer ${name}: ${got} values for shape [${dims.join(',')}]`,
        { name },
      );
  }
}

/** The bytes of a typed array, as a string key (latin-1, one char per byte). */
function bytesOf(a: ArrayBufferView): string {
  const u8 = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < u8.length; i += 4096) s += String.fromCharCode(...u8.subarray(i, i + 4096));
  return s;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * IEEE 754 half-precision bits of the float32 value of `v` (what a float model stores), rounded to
 * the nearest half, ties to even; overflow → ±∞, NaN stays NaN.
 */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the mantissa (with its implicit 1) right, rounding to nearest even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** The float value of half-precision bits. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decodes model bytes (for tests and inspection). */
export function decodeModel(bytes: Uint8Array): OnnxModelProto {
  return onnx.ModelProto.decode(bytes);
}
