/** Checks shared by the descriptors' `revive`: a saved form read from disk is only as good as its fields. */
import { TrainerErrorCodes, trainerError } from '../errors.ts';

export function unknownModel(kind: string, problem: string): Error {
  return trainerError(TrainerErrorCodes.RUN_MODEL_UNKNOWN, `cannot revive a saved ${kind} model: ${problem}`, { kind });
}

/** A list of numbers: an array, or a typed array serialised without plainJSON ({ "0": …, "1": … }). */
export function nums(v: unknown, kind: string): number[] {
  if (Array.isArray(v)) return v as number[];
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
  if (v && typeof v === 'object') return Object.values(v as Record<string, number>);
  throw unknownModel(kind, 'expected an array of numbers');
}
