import type { FeatureValue, Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import { perManifest } from '../per-manifest.ts';

/** Why a required numeric input was refused, as `details.fields[].reason`. */
export type InputReason = 'missing' | 'null' | 'not-finite' | 'not-a-number';

export interface FieldProblem {
  row: number;
  field: string;
  reason: InputReason;
}

/** At most this many problems are listed; `details.more` counts the rest. */
export const MAX_LISTED_PROBLEMS = 100;

const NON_FINITE = /^\s*[+-]?(nan|inf|infinity)\s*$/i;

function reasonOf(value: FeatureValue | undefined): InputReason | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'not-finite';
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return NON_FINITE.test(value) ? 'not-finite' : 'not-a-number';
}

/**
 * Checks every 'float' input of every row before anything is predicted (docs/SECURITY.md
 * "Prediction input"). A value that is not a finite JSON number is refused with
 * OUTPOST_ERR_INPUT_INVALID and `details.fields` = [{ row, field, reason }] for each one, unless
 * the model may take that input missing (`acceptsMissing`): then it goes through as missing (the
 * graph imputes it, telemetry counts it as missing) and is counted in the returned `imputed`.
 * A numeric string ("3.5") is refused too: the engine would read it as missing.
 */
export function checkNumericInputs(
  rows: readonly Record<string, FeatureValue>[],
  manifest: Manifest,
  acceptsMissing: ReadonlySet<string>,
): { imputed: Record<string, number> } {
  const numeric = numericInputs(manifest);
  const imputed: Record<string, number> = {};
  let problems: FieldProblem[] | undefined;
  let more = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Record<string, FeatureValue>;
    for (const field of numeric) {
      const value = row[field];
      if (typeof value === 'number' && Number.isFinite(value) && Object.hasOwn(row, field)) continue;
      const reason = reasonOf(Object.hasOwn(row, field) ? value : undefined);
      if (reason === undefined) continue;
      if (acceptsMissing.has(field)) imputed[field] = (imputed[field] ?? 0) + 1;
      else if ((problems ??= []).length < MAX_LISTED_PROBLEMS) problems.push({ row: r, field, reason });
      else more++;
    }
  }
  if (problems !== undefined) {
    const first = problems[0] as FieldProblem;
    throw deviceError(
      DeviceErrorCodes.INPUT_INVALID,
      `${problems.length + more} required numeric input value(s) refused; first: row ${first.row} ${first.field} is ${first.reason}`,
      { details: { fields: problems, ...(more > 0 ? { more } : {}) } },
    );
  }
  return { imputed };
}

/** The names of a manifest's 'float' inputs. */
const numericInputs = perManifest((manifest) => manifest.inputs.filter((i) => i.type === 'float').map((i) => i.name));

/** The inputs a model may take missing when its loader did not work them out: its manifest's say. */
export function declaredMissing(manifest: Manifest): Set<string> {
  return new Set(manifest.inputs.filter((i) => i.type === 'float' && i.missing === 'allowed').map((i) => i.name));
}
