import { readFileSync } from 'node:fs';
import { TrainerErrorCodes, trainerError } from '../errors.ts';

/** A numeric column: NaN marks a missing (empty) value. */
export interface NumericColumn {
  kind: 'numeric';
  name: string;
  values: Float64Array;
}

/** A categorical column: '' marks a missing value. */
export interface CategoricalColumn {
  kind: 'categorical';
  name: string;
  values: string[];
}

export type Column = NumericColumn | CategoricalColumn;

export function readDataFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw trainerError(TrainerErrorCodes.DATA_UNREADABLE, `${path}: cannot read the data file`, { file: path }, cause);
  }
}

/** A raw row as a device would send it: numbers, category strings, null for missing. */
export type RawRecord = Record<string, number | string | null>;
