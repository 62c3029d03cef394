import { type FittedOrdinal, ORDINAL_UNSEEN, ordinalCodes } from '@outpost/protocol';
import type { z } from 'zod';
import type { OrdinalStep } from '../../spec/steps.ts';
import { categoricalColumn, type Frame } from './frame.ts';

export type { FittedOrdinal };
export { ORDINAL_UNSEEN, ordinalCodes };
export function fitOrdinal(step: z.infer<typeof OrdinalStep>, frame: Frame): FittedOrdinal {
  categoricalColumn(frame, step.column, 'ordinal');
  return { op: 'ordinal', column: step.column, order: [...step.order] };
}
