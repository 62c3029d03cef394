/**
 * Per-column statistics for the explore report: counts, range, quantiles, a histogram, a capped-value
 * check (a spike at the maximum, like median_house_value at 500001) and an ID-likeness check.
 */
import type { Column } from '../data/dataset.ts';
import { quantileSorted, sortedPresent } from '../stats.ts';

export interface Histogram {
  /** Numeric: bins + 1 edges. Categorical: undefined (see labels). */
  edges?: number[];
  labels?: string[];
  counts: number[];
}

export interface CappedValue {
  value: number;
  count: number;
  share: number;
  /** The next value down and how many rows have it (rare, when the column is capped). */
  below?: { value: number; count: number };
}

export interface ColumnStats {
  name: string;
  kind: Column['kind'];
  count: number;
  missing: number;
  distinct: number;
  min?: number;
  max?: number;
  mean?: number;
  std?: number;
  quantiles?: { p05: number; p25: number; p50: number; p75: number; p95: number };
  /** Categorical: the most frequent values. */
  top?: [string, number][];
  histogram: Histogram;
  capped?: CappedValue;
  /** All values distinct and integer or in file order (a row id, a timestamp). */
  idLike: boolean;
}

/** A spike at the max: at least this share of rows exactly at it… */
export const CAP_MIN_SHARE = 0.005;
/** …and at least this many times the count of the next value down. */
export const CAP_MIN_RATIO = 5;

const HISTOGRAM_BINS = 20;
const TOP_CATEGORIES = 12;

export function columnStats(col: Column): ColumnStats {
  return col.kind === 'numeric' ? numericStats(col.name, col.values) : categoricalStats(col.name, col.values);
}

function numericStats(name: string, values: Float64Array): ColumnStats {
  const sorted = sortedPresent(values);
  const n = sorted.length;
  const missing = values.length - n;
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const base: ColumnStats = {
    name,
    kind: 'numeric',
    count: n,
    missing,
    distinct,
    histogram: { edges: [], counts: [] },
    idLike: false,
  };
  if (n === 0) return base;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  const q = (p: number): number => quantileSorted(sorted, p);
  const allIntegers = sorted.every((v) => Number.isInteger(v));
  const stats: ColumnStats = {
    ...base,
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    mean,
    std: Math.sqrt(ss / n),
    quantiles: { p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95) },
    histogram: numericHistogram(sorted),
    idLike: missing === 0 && distinct === n && n > 1 && (allIntegers || isMonotone(values)),
  };
  const capped = cappedAtMax(sorted);
  if (capped) stats.capped = capped;
  return stats;
}

/** Non-decreasing or non-increasing in file order. */
function isMonotone(values: ArrayLike<number>): boolean {
  let up = true;
  let down = true;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] as number) < (values[i - 1] as number)) up = false;
    if ((values[i] as number) > (values[i - 1] as number)) down = false;
  }
  return up || down;
}

/** A spike of rows exactly at the maximum while the next value down is rare. */
export function cappedAtMax(sorted: Float64Array): CappedValue | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const max = sorted[n - 1] as number;
  let i = n - 1;
  while (i >= 0 && sorted[i] === max) i--;
  const count = n - 1 - i;
  if (count / n < CAP_MIN_SHARE || count < 2) return undefined;
  if (i < 0) return undefined; // constant column, not a cap
  const next = sorted[i] as number;
  let j = i;
  while (j >= 0 && sorted[j] === next) j--;
  const nextCount = i - j;
  if (count < CAP_MIN_RATIO * nextCount) return undefined;
  return { value: max, count, share: count / n, below: { value: next, count: nextCount } };
}

function numericHistogram(sorted: Float64Array): Histogram {
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const bins = min === max ? 1 : HISTOGRAM_BINS;
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? max : min + k * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) {
    const k = width === 0 ? 0 : Math.min(bins - 1, Math.floor((v - min) / width));
    counts[k] = (counts[k] as number) + 1;
  }
  return { edges, counts };
}

function categoricalStats(name: string, values: readonly string[]): ColumnStats {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === '') missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const count = values.length - missing;
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = ranked.slice(0, TOP_CATEGORIES);
  const other = count - top.reduce((s, [, c]) => s + c, 0);
  const labels = top.map(([v]) => v);
  const hist = top.map(([, c]) => c);
  if (other > 0) {
    labels.push(`(${ranked.length - top.length} others)`);
    hist.push(other);
  }
  let sortedInFileOrder = true;
  for (let i = 1; i < values.length && sortedInFileOrder; i++)
    if ((values[i] as string) < (values[i - 1] as string)) sortedInFileOrder = false;
  return {
    name,
    kind: 'categorical',
    count,
    missing,
    distinct: counts.size,
    top,
    histogram: { labels, counts: hist },
    // Every value distinct: a row id, a timestamp or a name — never a useful category.
    idLike:
      missing === 0 && counts.size === values.length && values.length > 1 && (sortedInFileOrder || counts.size > 50),
  };
}
