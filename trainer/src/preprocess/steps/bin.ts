import type { FittedBin } from '@outpost/protocol';
import type { z } from 'zod';
import type { BinStep } from '../../spec/steps.ts';
import { quantileSorted } from '../../stats.ts';
import { f32, numericColumn, sortedValues, stepError, type Frame } from './frame.ts';

export type { FittedBin };
export function fitBin(step: z.infer<typeof BinStep>, frame: Frame): FittedBin {
  const values = numericColumn(frame, step.column, 'bin');
  if ((step.edges === undefined) === (step.bins === undefined))
    throw stepError('bin', step.column, 'give exactly one of edges or bins');
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
