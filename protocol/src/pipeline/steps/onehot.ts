import { categoricalColumn, replaceCategorical, type PipelineFrame } from '../frame.ts';

/**
 * One 0/1 column `<column>=<category>` per category seen in the training rows (sorted); an unseen
 * or missing category encodes as all zeros.
 */
export interface FittedOneHot {
  op: 'onehot';
  column: string;
  categories: string[];
}

export function applyOneHot(s: FittedOneHot, frame: PipelineFrame): void {
  const values = categoricalColumn(frame, s.column, 'onehot');
  const index = new Map(s.categories.map((c, k) => [c, k]));
  const columns = s.categories.map((c) => [`${s.column}=${c}`, new Float64Array(frame.rows)] as const);
  for (let i = 0; i < values.length; i++) {
    const k = index.get(values[i] as string);
    if (k !== undefined) (columns[k] as (typeof columns)[number])[1][i] = 1;
  }
  replaceCategorical(frame, s.column, columns, 'onehot');
}
