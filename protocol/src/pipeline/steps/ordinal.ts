import { categoricalColumn, replaceCategorical, type PipelineFrame } from '../frame.ts';

/** The category's index in `order` (its first occurrence) as one numeric column; unseen → −1. */
export interface FittedOrdinal {
  op: 'ordinal';
  column: string;
  order: string[];
}

export const ORDINAL_UNSEEN = -1;

/** Category → code, first occurrence winning (the graph's LabelEncoder needs distinct keys). */
export function ordinalCodes(s: Pick<FittedOrdinal, 'order'>): Map<string, number> {
  const codes = new Map<string, number>();
  s.order.forEach((c, k) => {
    if (!codes.has(c)) codes.set(c, k);
  });
  return codes;
}

export function applyOrdinal(s: FittedOrdinal, frame: PipelineFrame): void {
  const values = categoricalColumn(frame, s.column, 'ordinal');
  const codes = ordinalCodes(s);
  const out = Float64Array.from(values, (v) => codes.get(v) ?? ORDINAL_UNSEEN);
  replaceCategorical(frame, s.column, [[s.column, out]], 'ordinal');
}
