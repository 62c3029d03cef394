/**
 * How each feature's distribution moves across the periods of a split by time: the population
 * stability index (PSI) of the validation and the test period against the training period, and the
 * share of a later period's rows outside the training range. Only FEATURES are compared: the
 * test period's target is never read (explore-spec.ts drops the column before it gets here).
 *
 * PSI = Σ (q − p) · ln(q / p) over PSI_BINS bins cut at the training deciles (a categorical
 * feature: its training categories, plus one bin for categories the training period never had),
 * each share floored at PSI_FLOOR so an empty bin does not make it infinite. Small-sample guard: a
 * period with fewer than PSI_MIN_ROWS present values gets no PSI (too noisy to read). Below 0.1 is
 * usually read as stable, 0.1–0.25 as a moderate shift, from DRIFT_PSI (0.25) as a shift to act on.
 */
import type { Column } from '../data/dataset.ts';
import { quantileSorted, sortedPresent } from '../stats.ts';

export const PSI_BINS = 10;
export const PSI_FLOOR = 1e-4;
export const PSI_MIN_ROWS = 100;
export const DRIFT_PSI = 0.25;
/** A later period with more than this share of its rows outside the training range is reported. */
export const OUT_OF_RANGE_SHARE = 0.02;

export type Period = 'validation' | 'test';

export interface PeriodDrift {
  rows: number;
  /** Undefined under the small-sample guard. */
  psi?: number;
  /** Numeric: share of the period's present values below the training minimum or above its maximum. */
  outsideRange?: number;
}

export interface FeatureDrift {
  column: string;
  validation?: PeriodDrift;
  test?: PeriodDrift;
}

const psiOf = (p: number[], q: number[]): number =>
  p.reduce((s, pi, k) => {
    const a = Math.max(pi, PSI_FLOOR);
    const b = Math.max(q[k] as number, PSI_FLOOR);
    return s + (b - a) * Math.log(b / a);
  }, 0);

function numericShares(edges: readonly number[], values: Float64Array): { shares: number[]; n: number } {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    let k = 0;
    while (k < edges.length && v > (edges[k] as number)) k++;
    counts[k] = (counts[k] as number) + 1;
    n++;
  }
  return { shares: counts.map((c) => (n === 0 ? 0 : c / n)), n };
}

function categoricalShares(categories: readonly string[], values: readonly string[]): { shares: number[]; n: number } {
  const index = new Map(categories.map((c, i) => [c, i]));
  const counts = new Array<number>(categories.length + 1).fill(0);
  let n = 0;
  for (const v of values) {
    if (v === '') continue;
    const k = index.get(v) ?? categories.length;
    counts[k] = (counts[k] as number) + 1;
    n++;
  }
  return { shares: counts.map((c) => (n === 0 ? 0 : c / n)), n };
}

/** The drift of one feature from its `train` column to each later period's column. */
export function featureDrift(train: Column, later: Partial<Record<Period, Column>>): FeatureDrift {
  const out: FeatureDrift = { column: train.name };
  if (train.kind === 'numeric') {
    const sorted = sortedPresent(train.values);
    if (sorted.length === 0) return out;
    const edges = [
      ...new Set(Array.from({ length: PSI_BINS - 1 }, (_, k) => quantileSorted(sorted, (k + 1) / PSI_BINS))),
    ];
    const base = numericShares(edges, train.values);
    const lo = sorted[0] as number;
    const hi = sorted[sorted.length - 1] as number;
    for (const period of ['validation', 'test'] as const) {
      const col = later[period];
      if (col?.kind !== 'numeric') continue;
      const cur = numericShares(edges, col.values);
      let outside = 0;
      for (const v of col.values) if (v < lo || v > hi) outside++;
      const d: PeriodDrift = { rows: cur.n, outsideRange: cur.n === 0 ? 0 : outside / cur.n };
      if (cur.n >= PSI_MIN_ROWS && base.n >= PSI_MIN_ROWS) d.psi = psiOf(base.shares, cur.shares);
      out[period] = d;
    }
    return out;
  }
  const categories = [...new Set(train.values.filter((v) => v !== ''))].sort();
  const base = categoricalShares(categories, train.values);
  for (const period of ['validation', 'test'] as const) {
    const col = later[period];
    if (col?.kind !== 'categorical') continue;
    const cur = categoricalShares(categories, col.values);
    const d: PeriodDrift = { rows: cur.n };
    if (cur.n >= PSI_MIN_ROWS && base.n >= PSI_MIN_ROWS) d.psi = psiOf(base.shares, cur.shares);
    out[period] = d;
  }
  return out;
}
