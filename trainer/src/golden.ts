import type { GoldenExample } from '@outpost/protocol';
import { rawRecord, type Dataset, type RawRecord } from './data/dataset.ts';

/** A category no training row has: the graph must encode it as all zeros. */
export const UNSEEN_CATEGORY = 'MARS';

/**
 * Picks ~8 training rows as golden examples: evenly spread rows, one with a missing numeric value
 * (when the data has one) and one with every string feature replaced by an unseen category.
 */
export function goldenRecords(ds: Dataset, trainRows: readonly number[], count = 8): RawRecord[] {
  const step = Math.max(1, Math.floor(trainRows.length / count));
  const picked = Array.from({ length: Math.min(count - 2, trainRows.length) }, (_, i) => trainRows[i * step] as number);
  const records = picked.map((r) => rawRecord(ds, r));
  const withMissing = trainRows.find((r) => ds.features.some((c) => c.kind === 'numeric' && Number.isNaN(c.values[r])));
  if (withMissing !== undefined) records.push(rawRecord(ds, withMissing));
  const unseen = rawRecord(ds, trainRows[trainRows.length - 1] as number);
  for (const c of ds.features) if (c.kind === 'categorical') unseen[c.name] = UNSEEN_CATEGORY;
  records.push(unseen);
  return records;
}

export function goldenExamples(
  records: readonly RawRecord[],
  predictions: ArrayLike<number>,
  output: string,
): GoldenExample[] {
  return records.map((inputs, i) => ({ inputs, outputs: { [output]: [predictions[i] as number] } }));
}
