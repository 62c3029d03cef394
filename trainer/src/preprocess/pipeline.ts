import type { Dataset, RawRecord } from '../data/dataset.ts';
import { mean, quantileSorted, sortedPresent, std } from '../stats.ts';

/** Median imputation then standard scaling of one numeric feature. */
export interface NumericStep {
  name: string;
  median: number;
  mean: number;
  std: number;
}

/** One-hot of one string feature; unseen or missing ('') → all zeros. */
export interface OneHotStep {
  name: string;
  categories: string[];
}

/**
 * The fitted preprocessing. Column order of the design matrix (and of the ONNX Concat) is fixed:
 * every numeric feature in CSV order, then each categorical feature's categories in sorted order.
 */
export interface Pipeline {
  numeric: NumericStep[];
  oneHot: OneHotStep[];
  width: number;
}

/** Fits on `rows` only, so held-out and validation rows never leak into the statistics. */
export function fitPipeline(ds: Dataset, rows: readonly number[]): Pipeline {
  const numeric: NumericStep[] = [];
  const oneHot: OneHotStep[] = [];
  for (const col of ds.features) {
    if (col.kind === 'numeric') numeric.push(fitNumeric(col.name, col.values, rows));
    else oneHot.push({ name: col.name, categories: categoriesOf(col.values, rows) });
  }
  const width = numeric.length + oneHot.reduce((s, o) => s + o.categories.length, 0);
  return { numeric, oneHot, width };
}

function fitNumeric(name: string, values: Float64Array, rows: readonly number[]): NumericStep {
  const present = sortedPresent(values, rows);
  const median = present.length === 0 ? 0 : quantileSorted(present, 0.5);
  // Statistics after imputation, as a scikit-learn Pipeline(imputer, scaler) computes them.
  const imputed = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i] as number] as number;
    imputed[i] = Number.isNaN(v) ? median : v;
  }
  const sd = std(imputed);
  return { name, median, mean: mean(imputed), std: sd > 0 ? sd : 1 };
}

function categoriesOf(values: readonly string[], rows: readonly number[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) {
    const v = values[r] as string;
    if (v !== '') seen.add(v);
  }
  return [...seen].sort();
}

/** Pipeline feature names in design-matrix order, e.g. `ocean_proximity=INLAND`. */
export function featureNames(p: Pipeline): string[] {
  return [...p.numeric.map((s) => s.name), ...p.oneHot.flatMap((o) => o.categories.map((c) => `${o.name}=${c}`))];
}

type NumAt = (step: NumericStep) => number;
type CatAt = (step: OneHotStep) => string;

function encodeInto(p: Pipeline, num: NumAt, cat: CatAt, out: Float64Array, offset: number): void {
  let j = offset;
  for (const s of p.numeric) {
    const v = num(s);
    out[j++] = ((Number.isNaN(v) ? s.median : v) - s.mean) / s.std;
  }
  for (const o of p.oneHot) {
    const k = o.categories.indexOf(cat(o));
    for (let c = 0; c < o.categories.length; c++) out[j++] = c === k ? 1 : 0;
  }
}

/** Row-major design matrix (rows.length × width) for dataset rows. */
export function transformRows(p: Pipeline, ds: Dataset, rows: readonly number[]): Float64Array {
  const byName = new Map(ds.features.map((c) => [c.name, c]));
  const out = new Float64Array(rows.length * p.width);
  rows.forEach((r, i) => {
    const num: NumAt = (s) => {
      const col = byName.get(s.name);
      return col?.kind === 'numeric' ? (col.values[r] as number) : NaN;
    };
    const cat: CatAt = (o) => {
      const col = byName.get(o.name);
      return col?.kind === 'categorical' ? (col.values[r] as string) : '';
    };
    encodeInto(p, num, cat, out, i * p.width);
  });
  return out;
}

/** Same encoding for raw records: null, absent or non-numeric → missing, as in the ONNX graph. */
export function transformRecords(p: Pipeline, records: readonly RawRecord[]): Float64Array {
  const out = new Float64Array(records.length * p.width);
  records.forEach((rec, i) => {
    const num: NumAt = (s) => {
      const v = rec[s.name];
      return typeof v === 'number' ? v : NaN;
    };
    const cat: CatAt = (o) => {
      const v = rec[o.name];
      return typeof v === 'string' ? v : '';
    };
    encodeInto(p, num, cat, out, i * p.width);
  });
  return out;
}
