import { binIndex, toFrequencies, type ReferenceProfile } from '@outpost/protocol';
import { quantileSorted, sortedPresent } from './stats.ts';

type NumericReference = ReferenceProfile['prediction'];
type FeatureReference = ReferenceProfile['features'][string];

const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Interior bin edges: the deciles of the present values, deduplicated and ascending. */
export function decileEdges(sorted: Float64Array): number[] {
  if (sorted.length === 0) return [];
  const edges = DECILES.map((p) => quantileSorted(sorted, p));
  return edges.filter((e, i) => i === 0 || e !== edges[i - 1]);
}

/** Drift reference for one numeric series; bins follow protocol's `binIndex`. */
export function numericReference(values: ArrayLike<number>, rows?: readonly number[]): NumericReference {
  const sorted = sortedPresent(values, rows);
  const total = rows ? rows.length : values.length;
  const edges = decileEdges(sorted);
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of sorted) {
    const b = binIndex(edges, v);
    counts[b] = (counts[b] as number) + 1;
  }
  return {
    kind: 'numeric',
    edges,
    freqs: toFrequencies(counts),
    missing: total === 0 ? 0 : (total - sorted.length) / total,
  };
}

export function categoricalReference(
  values: readonly string[],
  rows: readonly number[],
  categories: readonly string[],
): FeatureReference {
  const counts = new Array<number>(categories.length).fill(0);
  let missing = 0;
  for (const r of rows) {
    const v = values[r] as string;
    const k = categories.indexOf(v);
    if (v === '') missing++;
    else if (k >= 0) counts[k] = (counts[k] as number) + 1;
  }
  return {
    kind: 'categorical',
    categories: [...categories],
    freqs: toFrequencies(counts),
    missing: rows.length === 0 ? 0 : missing / rows.length,
  };
}
