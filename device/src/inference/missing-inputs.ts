import type { Manifest } from '@outpost/protocol';
import { readOnnxOutline, type OnnxGraphOutline } from './onnx-graph.ts';

/**
 * Ops a tensor's values pass through unchanged (input positions that carry them): an input that
 * reaches an IsNaN node through these is tested for missing values by the graph itself.
 */
const PASS_THROUGH: Readonly<Record<string, (index: number) => boolean>> = {
  Identity: (i) => i === 0,
  Cast: (i) => i === 0,
  Reshape: (i) => i === 0,
  Flatten: (i) => i === 0,
  Squeeze: (i) => i === 0,
  Unsqueeze: (i) => i === 0,
  Concat: () => true,
  Where: (i) => i === 1 || i === 2,
};

/** The graph inputs whose values reach an IsNaN node (the trainer's imputers: IsNaN → Where(fill)). */
export function graphImputedInputs(outline: OnnxGraphOutline): Set<string> {
  const consumers = new Map<string, { opType: string; index: number; outputs: string[] }[]>();
  for (const node of outline.nodes) {
    node.inputs.forEach((tensor, index) => {
      const list = consumers.get(tensor) ?? [];
      list.push({ opType: node.opType, index, outputs: node.outputs });
      consumers.set(tensor, list);
    });
  }
  const imputed = new Set<string>();
  for (const input of outline.inputs) {
    const seen = new Set<string>([input]);
    const queue = [input];
    search: while (queue.length > 0) {
      for (const c of consumers.get(queue.shift() as string) ?? []) {
        if (c.opType === 'IsNaN') {
          imputed.add(input);
          break search;
        }
        if (!PASS_THROUGH[c.opType]?.(c.index)) continue;
        for (const out of c.outputs) {
          if (!seen.has(out)) {
            seen.add(out);
            queue.push(out);
          }
        }
      }
    }
  }
  return imputed;
}

/**
 * The 'float' inputs of a model that may be missing at prediction time (docs/SECURITY.md
 * "Prediction input"). An input's manifest `missing` field decides when present. Without it (every
 * manifest written before the field), an input may be missing only when both hold:
 * - the ONNX graph imputes it (the input reaches an IsNaN node), so the model never sees NaN; and
 * - the reference profile records missing values for it in the training rows (`missing > 0`).
 * The second condition stands in for the spec's explicit impute step: the trainer also fills every
 * numeric input the spec left out with its median, which the graph cannot tell apart, but that
 * fill is a safety net for training rows, not a promise that the input may be absent in use. With
 * no ONNX file (a model the device cannot inspect), the field alone decides.
 */
export function inputsAcceptingMissing(manifest: Manifest, onnxBytes: Uint8Array | undefined): Set<string> {
  let imputed: Set<string> | undefined;
  const graphImputes = (name: string): boolean => {
    if (!onnxBytes) return false;
    if (!imputed) {
      try {
        imputed = graphImputedInputs(readOnnxOutline(onnxBytes));
      } catch {
        imputed = new Set();
      }
    }
    return imputed.has(name);
  };
  const accepted = new Set<string>();
  for (const input of manifest.inputs) {
    if (input.type !== 'float') continue;
    if (input.missing !== undefined) {
      if (input.missing === 'allowed') accepted.add(input.name);
      continue;
    }
    const ref = manifest.reference.features[input.name];
    if (ref !== undefined && ref.missing > 0 && graphImputes(input.name)) accepted.add(input.name);
  }
  return accepted;
}
