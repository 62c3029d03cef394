import { DeviceErrorCodes, deviceError } from '../errors.ts';

/** The parts of an ONNX graph the device reads itself: input names and nodes (no attributes). */
export interface OnnxGraphOutline {
  inputs: string[];
  nodes: { opType: string; inputs: string[]; outputs: string[] }[];
}

/**
 * Reads the outline of an ONNX model's main graph from its protobuf bytes (ModelProto.graph = 7;
 * GraphProto.node = 1, .input = 11; NodeProto.input = 1, .output = 2, .op_type = 4;
 * ValueInfoProto.name = 1). A small reader rather than a protobuf library: the device only needs
 * these fields, and the bytes were verified against the signed manifest before they get here.
 * Throws OUTPOST_ERR_MODEL_LOAD on bytes that are not protobuf.
 */
export function readOnnxOutline(bytes: Uint8Array): OnnxGraphOutline {
  const graph = fields(bytes).find((f) => f.no === 7 && f.bytes);
  if (!graph?.bytes) throw deviceError(DeviceErrorCodes.MODEL_LOAD, 'ONNX model has no graph');
  const inputs: string[] = [];
  const nodes: OnnxGraphOutline['nodes'] = [];
  for (const f of fields(graph.bytes)) {
    if (!f.bytes) continue;
    if (f.no === 11) {
      const name = fields(f.bytes).find((g) => g.no === 1 && g.bytes);
      if (name?.bytes) inputs.push(text(name.bytes));
    } else if (f.no === 1) {
      const node = { opType: '', inputs: [] as string[], outputs: [] as string[] };
      for (const g of fields(f.bytes)) {
        if (!g.bytes) continue;
        if (g.no === 1) node.inputs.push(text(g.bytes));
        else if (g.no === 2) node.outputs.push(text(g.bytes));
        else if (g.no === 4) node.opType = text(g.bytes);
      }
      nodes.push(node);
    }
  }
  return { inputs, nodes };
}

const decoder = new TextDecoder();
const text = (b: Uint8Array): string => decoder.decode(b);

interface Field {
  no: number;
  /** The payload of a length-delimited field; undefined for varint and fixed-width fields. */
  bytes?: Uint8Array;
}

/** The top-level fields of one protobuf message. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= buf.length) throw bad();
      const b = buf[pos++] as number;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw bad();
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw bad();
      out.push({ no, bytes: buf.subarray(pos, pos + len) });
      pos += len;
      continue;
    } else throw bad();
    if (pos > buf.length) throw bad();
    out.push({ no });
  }
  return out;
}

const bad = () => deviceError(DeviceErrorCodes.MODEL_LOAD, 'ONNX model is not valid protobuf');
