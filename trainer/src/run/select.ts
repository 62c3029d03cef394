/**
 * The comparison table: every candidate's CV score as mean ± std, best first,
 * and the shortlist of the best non-baseline candidates that go on to tuning.
 */
import { metricByName } from '../eval/metrics.ts';
import type { Params } from './candidates.ts';
import type { CvScore } from './cv.ts';

export type EnsembleMethod = 'average' | 'stack';

/** How an ensemble row is described: "average of a + b" or "stacking of a + b". */
export function ensembleTag(members: readonly string[], method?: EnsembleMethod): string {
  return `${method === 'stack' ? 'stacking' : 'average'} of ${members.join(' + ')}`;
}

export interface TableRow {
  name: string;
  params: Params;
  cv: CvScore;
  baseline?: boolean;
  /** An ensemble row (averaging or stacking): the members' names. */
  members?: string[];
  /** An ensemble row's method; absent = averaging. */
  method?: EnsembleMethod;
  /** Seconds spent on this row's CV fits. */
  seconds: number;
}

/** Better first under the metric; ties keep the given order. */
export function rankRows(rows: readonly TableRow[], metric: string): TableRow[] {
  const higher = metricByName(metric).higherIsBetter;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (higher ? b.r.cv.mean - a.r.cv.mean : a.r.cv.mean - b.r.cv.mean) || a.i - b.i)
    .map((e) => e.r);
}

/** The best `n` candidates that are neither the baseline nor an ensemble. */
export function shortlist(rows: readonly TableRow[], metric: string, n: number): TableRow[] {
  return rankRows(rows, metric)
    .filter((r) => !r.baseline && !r.members && Number.isFinite(r.cv.mean))
    .slice(0, n);
}

export function formatScore(v: number, metric: string): string {
  if (!Number.isFinite(v)) return String(v);
  if (metric === 'rmse' || metric === 'mae')
    return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4);
  return v.toFixed(4);
}

/** The table as aligned text lines (CLI summary, model card). */
export function formatTable(rows: readonly TableRow[], metric: string): string[] {
  const ranked = rankRows(rows, metric);
  const width = Math.max(9, ...ranked.map((r) => r.name.length));
  const lines = [`${'candidate'.padEnd(width)}  cv ${metric} (mean ± std)`];
  for (const r of ranked) {
    const tag = r.baseline ? '  (baseline)' : r.members ? `  (${ensembleTag(r.members, r.method)})` : '';
    lines.push(`${r.name.padEnd(width)}  ${formatScore(r.cv.mean, metric)} ± ${formatScore(r.cv.std, metric)}${tag}`);
  }
  return lines;
}
