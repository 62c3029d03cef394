import type { z } from 'zod';
import type { OrdinalStep } from '../../spec/steps.ts';
import { categoricalColumn, replaceCategorical, type Frame } from './frame.ts';

/** The category's index in `order` (its first occurrence) as one numeric column; unseen → −1. */
export interface FittedOrdinal {
  op: 'ordinal';
  column: string;
  order: string[];
}

export const ORDINAL_UNSEEN = -1;

export function fitOrdinal(step: z.infer<typeof OrdinalStep>, frame: Frame): FittedOrdinal {
  categoricalColumn(frame, step.column, 'ordinal');
  return { op: 'ordinal', column: step.column, order: [...step.order] };
}

/** Category → code, first occurrence winning (the graph's LabelEncoder needs distinct keys). */
export function ordinalCodes(s: FittedOrdinal): Map<string, number> {
  const codes = new Map<string, number>();
  s.order.forEach((c, k) => {
    if (!codes.has(c)) codes.set(c, k);
  });
  return codes;
}

export function applyOrdinal(s: FittedOrdinal, frame: Frame): void {
  const values = categoricalColumn(frame, s.column, 'ordinal');
  const codes = ordinalCodes(s);
  const out = Float64Array.from(values, (v) => codes.get(v) ?? ORDINAL_UNSEEN);
  replaceCategorical(frame, s.column, [[s.column, out]], 'ordinal');
}
