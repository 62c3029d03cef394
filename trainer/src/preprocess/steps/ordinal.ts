import { applyOrdinal as applyOrdinalShared, type FittedOrdinal, ORDINAL_UNSEEN, ordinalCodes } from '@outpost/protocol';
import type { z } from 'zod';
import type { OrdinalStep } from '../../spec/steps.ts';
import { categoricalColumn, trainerCoded, type Frame } from './frame.ts';

export type { FittedOrdinal };
export { ORDINAL_UNSEEN, ordinalCodes };
/** The apply half (protocol/src/pipeline/steps/ordinal.ts), shared with the device. */
export const applyOrdinal = trainerCoded(applyOrdinalShared);

export function fitOrdinal(step: z.infer<typeof OrdinalStep>, frame: Frame): FittedOrdinal {
  categoricalColumn(frame, step.column, 'ordinal');
  return { op: 'ordinal', column: step.column, order: [...step.order] };
}
