/**
 * How strongly one column relates to the target, for the explore report and its leakage warnings:
 * Pearson r (numeric vs numeric or 0/1 target), the correlation ratio η (category vs numeric, or
 * numeric vs class), Cramér's V (category vs class), the accuracy of the best one-feature rule, and
 * the longest run of one class at either end of a column's order (the shipping ID leak).
 */
import type { Column } from '../data/dataset.ts';

export interface Association {
  measure: 'pearson' | 'eta' | 'cramers_v';
  value: number;
}

/** The target as the report sees it: numbers (regression, or 0/1 binary) or class indices. */
export interface TargetView {
  values: Float64Array;
  /** Classification: number of classes; labels for messages. */
  classes?: string[];
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    if (Number.isNaN(a)) continue;
    n++;
    sx += a;
    sy += y[i] as number;
  }
  if (n < 2) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    if (Number.isNaN(a)) continue;
    const dx = a - mx;
    const dy = (y[i] as number) - my;
    cov += dx * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  return vx === 0 || vy === 0 ? NaN : cov / Math.sqrt(vx * vy);
}

/** Correlation ratio η: the share of y's spread explained by the groups, square-rooted. */
export function correlationRatio(groups: ArrayLike<string | number>, y: ArrayLike<number>): number {
  const sums = new Map<string | number, { n: number; s: number }>();
  let total = 0;
  let count = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (Number.isNaN(v)) continue;
    const g = groups[i] as string | number;
    const e = sums.get(g) ?? { n: 0, s: 0 };
    e.n++;
    e.s += v;
    sums.set(g, e);
    total += v;
    count++;
  }
  if (count < 2) return NaN;
  const mean = total / count;
  let ssTotal = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (!Number.isNaN(v)) ssTotal += (v - mean) ** 2;
  }
  let ssBetween = 0;
  for (const { n, s } of sums.values()) ssBetween += n * (s / n - mean) ** 2;
  return ssTotal === 0 ? NaN : Math.sqrt(ssBetween / ssTotal);
}

export function cramersV(a: readonly string[], b: ArrayLike<number>): number {
  const table = new Map<string, Map<number, number>>();
  const colTotals = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const k = b[i] as number;
    const row = table.get(a[i] as string) ?? new Map<number, number>();
    row.set(k, (row.get(k) ?? 0) + 1);
    table.set(a[i] as string, row);
    colTotals.set(k, (colTotals.get(k) ?? 0) + 1);
  }
  const n = a.length;
  let chi2 = 0;
  for (const row of table.values()) {
    const rowTotal = [...row.values()].reduce((s, c) => s + c, 0);
    for (const [k, colTotal] of colTotals) {
      const expected = (rowTotal * colTotal) / n;
      chi2 += ((row.get(k) ?? 0) - expected) ** 2 / expected;
    }
  }
  const m = Math.min(table.size, colTotals.size) - 1;
  return m <= 0 ? NaN : Math.sqrt(chi2 / (n * m));
}

export function associate(col: Column, target: TargetView): Association {
  const multiclass = (target.classes?.length ?? 0) > 2;
  if (col.kind === 'numeric') {
    return multiclass
      ? { measure: 'eta', value: correlationRatio(target.values, col.values) }
      : { measure: 'pearson', value: pearson(col.values, target.values) };
  }
  return multiclass
    ? { measure: 'cramers_v', value: cramersV(col.values, target.values) }
    : { measure: 'eta', value: correlationRatio(col.values, target.values) };
}

/** Rank of each row by the column (text sorts as text), for ID-like columns. */
export function orderValues(col: Column): Float64Array {
  if (col.kind === 'numeric') return col.values;
  const idx = col.values
    .map((_, i) => i)
    .sort((i, j) =>
      (col.values[i] as string) < (col.values[j] as string)
        ? -1
        : (col.values[i] as string) > (col.values[j] as string)
          ? 1
          : i - j,
    );
  const rank = new Float64Array(idx.length);
  idx.forEach((r, k) => (rank[r] = k));
  return rank;
}

/**
 * Accuracy of the best rule on one column: for numbers, one threshold with the majority class on
 * each side; for categories, the majority class of each category. Missing values form their own group.
 */
export function oneFeatureAccuracy(col: Column, classes: Float64Array, k: number): number {
  const n = classes.length;
  if (n === 0) return NaN;
  if (col.kind === 'categorical') {
    const counts = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const c = counts.get(col.values[i] as string) ?? new Array<number>(k).fill(0);
      c[classes[i] as number] = (c[classes[i] as number] as number) + 1;
      counts.set(col.values[i] as string, c);
    }
    let correct = 0;
    for (const c of counts.values()) correct += Math.max(...c);
    return correct / n;
  }
  const present = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(col.values[i] as number));
  present.sort((a, b) => (col.values[a] as number) - (col.values[b] as number));
  const missing = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++)
    if (Number.isNaN(col.values[i] as number))
      missing[classes[i] as number] = (missing[classes[i] as number] as number) + 1;
  const right = new Array<number>(k).fill(0);
  for (const r of present) right[classes[r] as number] = (right[classes[r] as number] as number) + 1;
  const left = new Array<number>(k).fill(0);
  let best = Math.max(...right);
  for (let p = 0; p < present.length - 1; p++) {
    const r = present[p] as number;
    const c = classes[r] as number;
    left[c] = (left[c] as number) + 1;
    right[c] = (right[c] as number) - 1;
    if (col.values[present[p + 1] as number] === col.values[r]) continue;
    best = Math.max(best, Math.max(...left) + Math.max(...right));
  }
  return (best + Math.max(...missing)) / n;
}

export interface PureRun {
  side: 'low' | 'high';
  /** The run covers values ≤ bound (low) or ≥ bound (high). */
  bound: number;
  rows: number;
  classIndex: number;
}

/** The longest run of a single class at the low or high end of the column's order. */
export function pureRunAtEnds(order: Float64Array, classes: Float64Array): PureRun | undefined {
  const idx = Array.from({ length: order.length }, (_, i) => i).filter((i) => !Number.isNaN(order[i] as number));
  if (idx.length === 0) return undefined;
  idx.sort((a, b) => (order[a] as number) - (order[b] as number));
  const run = (seq: number[]): { rows: number; bound: number; cls: number } => {
    const cls = classes[seq[0] as number] as number;
    let m = 0;
    while (m < seq.length && classes[seq[m] as number] === cls) m++;
    // A run cannot end inside a group of equal values: back off to the last value change.
    while (m > 0 && m < seq.length && order[seq[m] as number] === order[seq[m - 1] as number]) m--;
    return { rows: m, bound: m > 0 ? (order[seq[m - 1] as number] as number) : NaN, cls };
  };
  const low = run(idx);
  const high = run(idx.slice().reverse());
  const best = low.rows >= high.rows ? { side: 'low' as const, ...low } : { side: 'high' as const, ...high };
  return best.rows === 0 ? undefined : { side: best.side, bound: best.bound, rows: best.rows, classIndex: best.cls };
}
