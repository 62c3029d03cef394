import { addNumeric, numericColumn, type PipelineFrame } from '../frame.ts';

/**
 * The bin index of a column as a numeric feature: the number of edges ≤ x (k edges → k + 1 bins,
 * the rule of `binIndex`).
 */
export interface FittedBin {
  op: 'bin';
  column: string;
  name: string;
  /** Ascending, distinct float32 numbers. */
  edges: number[];
}

export function applyBin(s: FittedBin, frame: PipelineFrame): void {
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
