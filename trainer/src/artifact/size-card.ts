/**
 * The card's "Artifact size" / "Quantization" section: deterministic text (no latencies), part of
 * the signed card.md.
 */
import type { Int8Storage } from '../onnx/dense.ts';
import { describeInt8, type VariantFigures } from './int8-ladder.ts';

export interface CompactionStats {
  nodesBefore: number;
  nodesAfter: number;
  impliedSplits: number;
  mergedLeaves: number;
}

const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6));

/** Tree models: the float file ships, compacted exactly. */
export function treeSizeSection(floatBytes: number, stats: CompactionStats): string {
  return `\n## Artifact size\nThe float model ships (${floatBytes} bytes): trees are compacted exactly (${stats.nodesBefore} → ${stats.nodesAfter} nodes: ${stats.impliedSplits} splits decided by their ancestors, ${stats.mergedLeaves} equal sibling leaves merged) and thresholds stored as float32 rounded down, which changes no prediction.\n`;
}

/** Dense models: which variant ships and the figures it was judged by. */
export function quantizationSection(o: {
  ship: 'int8' | 'float';
  reason: string;
  metric: string;
  float: VariantFigures;
  int8: VariantFigures;
  storage: Required<Int8Storage>;
  tolerance: number;
}): string {
  const figures = `${o.metric} on the validation rows (seen by the final refit) ${num(o.int8.metric)} (int8, ${describeInt8(o.storage)}) vs ${num(o.float.metric)} (float), ${o.int8.bytes} vs ${o.float.bytes} bytes, tolerance ${num(o.tolerance * 100)}%`;
  return o.ship === 'int8'
    ? `\n## Quantization\n\`model.onnx\` has int8 weights (QDQ, ${describeInt8(o.storage)}); \`model-float.onnx\` is the float model, for comparison: ${figures}.\n`
    : `\n## Quantization\nThe float model ships, not int8: ${o.reason} (${figures}).\n`;
}
