/**
 * The inputs of an artifact's golden examples: raw training records as a device would send them
 * (goldens.ts adds the outputs the trainer computes in process; a device's smoke test runs them
 * through the artifact and compares — docs/ARCHITECTURE.md, "Artifact"). Picked
 * deterministically: evenly spread rows, a row with a missing number (a real one when the training
 * data has one, else a copy with the first numeric input nulled) and, when the model reads
 * strings, a row whose strings are all unseen categories.
 */
import type { InputSpec } from '@outpost/protocol';
import type { RawRecord } from '../model/trained-model.ts';

/** A category no training row has: the golden row that exercises a model's unseen-category path. */
export const UNSEEN_CATEGORY = 'MARS';

const isMissing = (v: RawRecord[string] | undefined): boolean =>
  v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v));

/** A record restricted to the model's inputs, every input present (missing → null). */
function normalised(r: RawRecord, inputs: readonly InputSpec[]): RawRecord {
  return Object.fromEntries(
    inputs.map((i) => {
      const v = r[i.name];
      return [i.name, isMissing(v) || v === '' ? null : (v as number | string)];
    }),
  );
}

export function goldenInputRecords(
  records: readonly RawRecord[],
  inputs: readonly InputSpec[],
  count = 8,
): RawRecord[] {
  if (records.length === 0) return [];
  const spread = Math.max(1, count - 2);
  const step = Math.max(1, Math.floor(records.length / spread));
  const out = Array.from({ length: Math.min(spread, records.length) }, (_, i) =>
    normalised(records[i * step] as RawRecord, inputs),
  );
  const numeric = inputs.filter((i) => i.type === 'float');
  const withMissing = records.find((r) => numeric.some((i) => isMissing(r[i.name])));
  if (withMissing) out.push(normalised(withMissing, inputs));
  else if (numeric.length > 0)
    out.push({ ...normalised(records[0] as RawRecord, inputs), [(numeric[0] as InputSpec).name]: null });
  const strings = inputs.filter((i) => i.type === 'string');
  if (strings.length > 0) {
    const unseen = normalised(records[records.length - 1] as RawRecord, inputs);
    for (const s of strings) unseen[s.name] = UNSEEN_CATEGORY;
    out.push(unseen);
  }
  return out;
}
