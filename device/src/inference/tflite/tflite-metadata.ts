/**
 * Reads Model.metadata entries from .tflite bytes — a few lines of flatbuffer reading instead of a
 * dependency (field slots from TensorFlow Lite's schema.fbs: Model.buffers = 4,
 * Model.metadata = 6; Metadata.name = 0, Metadata.buffer = 1; Buffer.data = 0).
 * Returns null when the bytes are not a well-formed TFL3 file.
 */
const MODEL_BUFFERS = 4;
const MODEL_METADATA = 6;

export function readTfliteMetadata(bytes: Uint8Array): Map<string, Uint8Array> | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inside = (pos: number, len = 4): boolean => pos >= 0 && pos + len <= bytes.length;
  const u32 = (pos: number): number => {
    if (!inside(pos)) throw new RangeError('flatbuffer offset out of range');
    return view.getUint32(pos, true);
  };
  const field = (table: number, slot: number): number => {
    const vt = table - view.getInt32(table, true);
    if (!inside(vt, 4)) throw new RangeError('bad vtable');
    const size = view.getUint16(vt, true);
    const at = 4 + 2 * slot;
    const off = at + 2 <= size ? view.getUint16(vt + at, true) : 0;
    return off === 0 ? 0 : table + off;
  };
  const vector = (pos: number): { start: number; length: number } => {
    const vec = pos + u32(pos);
    const length = u32(vec);
    if (!inside(vec + 4, length)) throw new RangeError('vector out of range');
    return { start: vec + 4, length };
  };
  const table = (pos: number): number => pos + u32(pos);
  try {
    if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(4, 8)) !== 'TFL3') return null;
    const model = table(0);
    const out = new Map<string, Uint8Array>();
    const metaField = field(model, MODEL_METADATA);
    if (metaField === 0) return out;
    const buffersField = field(model, MODEL_BUFFERS);
    if (buffersField === 0) return null;
    const buffers = vector(buffersField);
    const metas = vector(metaField);
    for (let i = 0; i < metas.length; i++) {
      const m = table(metas.start + 4 * i);
      const nameField = field(m, 0);
      const bufField = field(m, 1);
      if (nameField === 0 || bufField === 0) continue;
      const name = vector(nameField);
      const index = u32(bufField);
      if (index >= buffers.length) return null;
      const buffer = table(buffers.start + 4 * index);
      const dataField = field(buffer, 0);
      const data = dataField === 0 ? { start: 0, length: 0 } : vector(dataField);
      out.set(
        new TextDecoder().decode(bytes.subarray(name.start, name.start + name.length)),
        bytes.slice(data.start, data.start + data.length),
      );
    }
    return out;
  } catch {
    return null;
  }
}
