import type { FittedOneHot } from '@outpost/protocol';
import { categoricalColumn, type Frame } from './frame.ts';

export type { FittedOneHot };
export function fitOneHot(column: string, frame: Frame): FittedOneHot {
  const seen = new Set(categoricalColumn(frame, column, 'onehot'));
  seen.delete('');
  return { op: 'onehot', column, categories: [...seen].sort() };
}
