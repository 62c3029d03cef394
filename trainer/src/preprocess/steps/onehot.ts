import { applyOneHot as applyOneHotShared, type FittedOneHot } from '@outpost/protocol';
import { categoricalColumn, trainerCoded, type Frame } from './frame.ts';

export type { FittedOneHot };
/** The apply half (protocol/src/pipeline/steps/onehot.ts), shared with the device. */
export const applyOneHot = trainerCoded(applyOneHotShared);

export function fitOneHot(column: string, frame: Frame): FittedOneHot {
  const seen = new Set(categoricalColumn(frame, column, 'onehot'));
  seen.delete('');
  return { op: 'onehot', column, categories: [...seen].sort() };
}
