/**
 * The drift reference profile (docs/ARCHITECTURE.md, flow 6 "Drift") from raw training records, for any spec-trained
 * model: decile bins with frequencies per numeric input, category frequencies per string input,
 * and the histogram of the prediction output's first value (regression value or class label).
 * Binning and frequencies are reference.ts's.
 */
import type { InputSpec, ReferenceProfile } from '@outpost/protocol';
import { categoricalReference, numericReference } from '../reference.ts';
import type { RawRecord } from '../model/trained-model.ts';

export function referenceFromRecords(
  records: readonly RawRecord[],
  inputs: readonly InputSpec[],
  predictions: ArrayLike<number>,
): ReferenceProfile {
  const rows = records.map((_, i) => i);
  const features: ReferenceProfile['features'] = {};
  for (const input of inputs) {
    const raw = records.map((r) => r[input.name]);
    if (input.type === 'float') {
      features[input.name] = numericReference(
        Float64Array.from(raw, (v) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN)),
        rows,
      );
    } else {
      const values = raw.map((v) => (typeof v === 'string' ? v : ''));
      const categories = input.categories ?? [...new Set(values.filter((v) => v !== ''))].sort();
      features[input.name] = categoricalReference(values, rows, categories);
    }
  }
  return { rows: records.length, features, prediction: numericReference(predictions) };
}
