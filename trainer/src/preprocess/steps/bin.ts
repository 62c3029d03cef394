import type { z } from 'zod';
import type { BinStep } from '../../spec/steps.ts';
import { quantileSorted } from '../../stats.ts';
import { addNumeric, f32, numericColumn, sortedValues, stepError, type Frame } from './frame.ts';

/**
 * The bin index of a column as a numeric feature: the number of edges ≤ x (k edges → k + 1 bins,
 * the rule of `binIndex` in @outpost/protocol).
 */
export interface FittedBin {
  op: 'bin';
  column: string;
  name: string;
  /** Ascending, distinct float32 numbers. */
  edges: number[];
}

export function fitBin(step: z.infer<typeof BinStep>, frame: Frame): FittedBin {
  const values = numericColumn(frame, step.column, 'bin');
  if ((step.edges === undefined) === (step.bins === undefined)) throw stepError('bin', step.column, 'give exactly one of edges or bins');
  let edges: number[];
  if (step.edges) edges = step.edges;
  else {
    const sorted = sortedValues(values);
    if (sorted.length === 0) throw stepError('bin', step.column, 'no training values to take quantiles from');
    const bins = step.bins as number;
    edges = Array.from({ length: bins - 1 }, (_, k) => quantileSorted(sorted, (k + 1) / bins));
  }
  // Float32 edges: the graph compares float32 values with float32 edges, so an edge that is not a
  // float32 number could put a value on different sides of it in process and on the device.
  const rounded = [...new Set(edges.map(f32))].sort((a, b) => a - b);
  if (rounded.length === 0) throw stepError('bin', step.column, 'no bin edges');
  return { op: 'bin', column: step.column, name: step.name ?? `${step.column}_bin`, edges: rounded };
}

export function applyBin(s: FittedBin, frame: Frame): void {
  const col = numericColumn(frame, s.column, 'bin');
  const out = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const x = col[i] as number;
    let k = 0;
    for (const e of s.edges) if (x >= e) k++;
    out[i] = k;
  }
  addNumeric(frame, s.name, out, 'bin');
}
