/** Small descriptive statistics on typed arrays; NaN values are skipped where noted. */

/** Sorted copy of the non-NaN values of `values` at `rows` (all rows when omitted). */
export function sortedPresent(values: ArrayLike<number>, rows?: readonly number[]): Float64Array {
  const picked: number[] = [];
  const n = rows ? rows.length : values.length;
  for (let i = 0; i < n; i++) {
    const v = values[rows ? (rows[i] as number) : i] as number;
    if (!Number.isNaN(v)) picked.push(v);
  }
  return Float64Array.from(picked).sort();
}

/** Quantile with linear interpolation between order statistics (numpy's default). */
export function quantileSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return values.length === 0 ? NaN : s / values.length;
}

/** Population standard deviation (ddof 0), as scikit-learn's StandardScaler uses. */
export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) s += ((values[i] as number) - m) ** 2;
  return values.length === 0 ? NaN : Math.sqrt(s / values.length);
}

export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += ((predicted[i] as number) - (actual[i] as number)) ** 2;
  return Math.sqrt(s / actual.length);
}

export function pick(values: ArrayLike<number>, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i] as number] as number;
  return out;
}
