import onnxProto from 'onnx-proto';
import { TrainerErrorCodes, trainerError } from '../errors.ts';

/**
 * A small builder for ONNX graphs: typed inputs/outputs, initializers, nodes with typed
 * attributes, and serialisation to model bytes. Learners (linear, trees, MLP) share it.
 * Serialisation is deterministic: the same calls give the same bytes.
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

export class GraphBuilder {
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly valueInfos: ValueInfoProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly nodes: NodeProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

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

  /** A float32 constant; `values.length` must equal the product of `dims`. */
  floats(name: string, values: ArrayLike<number>, dims: readonly number[]): string {
    this.checkSize(name, values.length, dims);
    this.claim(name);
    this.initializers.push({ name, dataType: ElemType.float, dims: [...dims], floatData: Array.from(values, Math.fround) });
    return name;
  }

  ints(name: string, values: readonly number[], dims: readonly number[]): string {
    this.checkSize(name, values.length, dims);
    this.claim(name);
    this.initializers.push({ name, dataType: ElemType.int64, dims: [...dims], int64Data: [...values] });
    return name;
  }

  /**
   * An int8 / uint8 constant stored as raw bytes: int32_data would spend up to 10 varint bytes on
   * each negative int8, which defeats quantization.
   */
  bytes(name: string, elem: 'int8' | 'uint8', values: Int8Array | Uint8Array, dims: readonly number[]): string {
    this.checkSize(name, values.length, dims);
    this.claim(name);
    const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.initializers.push({ name, dataType: ElemType[elem], dims: [...dims], rawData: raw });
    return name;
  }

  /**
   * Adds a node and returns its output names. `outputs` may name the tensors (graph outputs must be
   * named); otherwise each gets a fresh name derived from `hint`.
   */
  node(opType: string, inputs: readonly string[], options: { outputs?: readonly string[]; count?: number; attrs?: Record<string, Attr>; domain?: string; hint?: string } = {}): string[] {
    const hint = options.hint ?? opType.toLowerCase();
    const outs = options.outputs ? [...options.outputs] : Array.from({ length: options.count ?? 1 }, () => this.fresh(hint));
    for (const o of options.outputs ?? []) this.claim(o);
    const attrs = Object.entries(options.attrs ?? {}).map(([k, v]) => attribute(k, v));
    this.nodes.push({ opType, domain: options.domain ?? '', input: [...inputs], output: outs, name: `${hint}_${this.nodes.length}`, attribute: attrs });
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
      docString: options.docString ?? '',
      opsetImport: (options.opsets ?? DEFAULT_OPSETS).map((o) => ({ domain: o.domain, version: o.version })),
      graph: { name: this.graphName, input: this.inputs, output: this.outputs, valueInfo: this.valueInfos, initializer: this.initializers, node: this.nodes },
    };
  }

  toBytes(options: Parameters<GraphBuilder['model']>[0] = {}): Uint8Array {
    return onnx.ModelProto.encode(this.model(options)).finish();
  }

  private fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw trainerError(TrainerErrorCodes.ONNX_GRAPH_INVALID, `ONNX graph: tensor name ${name} is already used`, { name });
    this.names.add(name);
  }

  private checkSize(name: string, got: number, dims: readonly number[]): void {
    const want = dims.reduce((a, b) => a * b, 1);
    if (got !== want) throw trainerError(TrainerErrorCodes.ONNX_GRAPH_INVALID, `ONNX initializer ${name}: ${got} values for shape [${dims.join(',')}]`, { name });
  }
}

/** Decodes model bytes (for tests and inspection). */
export function decodeModel(bytes: Uint8Array): OnnxModelProto {
  return onnx.ModelProto.decode(bytes);
}
