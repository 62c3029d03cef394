/**
 * Data-quality checks for the explore report, per column:
 *
 * - a **stuck run**: a long run of one value in time order (a frozen sensor), reported as `floor`
 *   when the value is the column's minimum, `ceiling` when it is its maximum, `stuck` otherwise;
 * - a **floor**: a spike of rows exactly at the minimum (the mirror of the capped check at the
 *   maximum, column-stats.ts), such as a sensor that cannot read below its floor.
 *
 * A run counts only on a column with at least STUCK_MIN_DISTINCT values (a flag or a count is
 * allowed long runs) and must reach STUCK_MIN_RUN rows and STUCK_MIN_SHARE of the rows. Missing
 * values end a run.
 */
import type { Column } from '../data/dataset.ts';
import { sortedPresent } from '../stats.ts';
import { cappedAtMax } from './column-stats.ts';

export const STUCK_MIN_RUN = 24;
export const STUCK_MIN_SHARE = 0.02;
export const STUCK_MIN_DISTINCT = 20;
/** A floor: at least this share of the rows exactly at the minimum (and CAP_MIN_RATIO × the next value down, column-stats.ts). */
export const FLOOR_MIN_SHARE = 0.05;

export interface StuckRun {
  kind: 'stuck' | 'floor' | 'ceiling';
  value: number;
  rows: number;
  /** File lines of the run's first and last rows. */
  firstLine: number;
  lastLine: number;
}

export interface FloorSpike {
  value: number;
  count: number;
  share: number;
}

export interface ColumnQuality {
  stuck?: StuckRun;
  floor?: FloorSpike;
}

/**
 * The checks of one numeric column; `order` lists the row indices in time order (file order when
 * the split is not by time), `lines` the file line of each row.
 */
export function columnQuality(col: Column, order: readonly number[], lines: readonly number[]): ColumnQuality {
  if (col.kind !== 'numeric') return {};
  const sorted = sortedPresent(col.values);
  const n = sorted.length;
  if (n === 0) return {};
  const out: ColumnQuality = {};
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  if (distinct >= STUCK_MIN_DISTINCT) {
    const run = longestRun(col.values, order);
    if (run && run.length >= Math.max(STUCK_MIN_RUN, STUCK_MIN_SHARE * n)) {
      out.stuck = {
        kind: run.value === min ? 'floor' : run.value === max ? 'ceiling' : 'stuck',
        value: run.value,
        rows: run.length,
        firstLine: lines[order[run.start] as number] as number,
        lastLine: lines[order[run.start + run.length - 1] as number] as number,
      };
    }
  }
  const negated = Float64Array.from(sorted, (v) => -v).reverse();
  const spike = cappedAtMax(negated);
  if (spike && spike.share >= FLOOR_MIN_SHARE) out.floor = { value: min, count: spike.count, share: spike.share };
  return out;
}

function longestRun(
  values: Float64Array,
  order: readonly number[],
): { value: number; start: number; length: number } | undefined {
  let best: { value: number; start: number; length: number } | undefined;
  let start = 0;
  for (let i = 1; i <= order.length; i++) {
    const prev = values[order[i - 1] as number] as number;
    const cur = i < order.length ? (values[order[i] as number] as number) : NaN;
    if (cur === prev) continue;
    const length = i - start;
    if (!Number.isNaN(prev) && (!best || length > best.length)) best = { value: prev, start, length };
    start = i;
  }
  return best;
}
