/**
 * Where the model fails: the metric on segments of the rows — each category of
 * a categorical column, each quantile bin of a numeric one — worst first, against the overall
 * score ("rmse 71,000 on ocean_proximity=INLAND vs 48,000 overall"); plus the data for a residual
 * plot (regression) or a calibration plot (binary).
 */
import type { Column } from '../data/dataset.ts';
import { predictionWidth } from '../eval/metrics.ts';
import { mulberry32 } from '../random.ts';
import { formatScore } from './select.ts';
import { metricAt } from './threshold.ts';

export interface Segment {
  column: string;
  kind: 'category' | 'quantile';
  /** e.g. 'INLAND' or '(2.5, 3.4]'. */
  label: string;
  rows: number;
  score: number;
  /** How much worse than overall, as a positive share (0.4 = 40% worse). */
  worseBy: number;
}

export interface CalibrationBin {
  /** Mean predicted P(class 1) in the bin. */
  predicted: number;
  /** Observed share of class 1. */
  observed: number;
  rows: number;
}

export interface ErrorAnalysis {
  metric: string;
  overall: number;
  rows: number;
  /** Worst first; only segments with enough rows to mean something. */
  segments: Segment[];
  /** Regression: up to 600 sampled (predicted, actual) points. */
  residuals?: { predicted: number[]; actual: number[] };
  calibration?: CalibrationBin[];
  /** Plain-language lines for the report, the CLI and the model card. */
  findings: string[];
}

export interface ErrorAnalysisInput {
  metric: string;
  y: Float64Array;
  predictions: Float64Array;
  /** Raw columns of the same rows (features, and the target for regression). */
  columns: readonly Column[];
  /** Quantile bins per numeric column (default 4). */
  bins?: number;
  /** Segments kept (default 12). */
  top?: number;
  seed?: number;
  /** Binary decision threshold (threshold.ts); threshold metrics score labels p ≥ threshold. */
  threshold?: number;
}

export function errorAnalysis(input: ErrorAnalysisInput): ErrorAnalysis {
  const metric = metricAt(input.metric, input.threshold);
  const { y, predictions } = input;
  const n = y.length;
  const width = predictionWidth(n, predictions);
  const overall = metric.fn(y, predictions);
  const minRows = Math.max(10, Math.ceil(n * 0.02));
  const worseBy = (s: number): number => {
    if (metric.higherIsBetter) return overall === 1 ? (s < 1 ? Infinity : 0) : (overall - s) / (1 - overall);
    return overall === 0 ? (s > 0 ? Infinity : 0) : (s - overall) / overall;
  };
  const score = (rows: number[]): number => {
    const yt = Float64Array.from(rows, (r) => y[r] as number);
    const yp = new Float64Array(rows.length * width);
    rows.forEach((r, i) => {
      for (let c = 0; c < width; c++) yp[i * width + c] = predictions[r * width + c] as number;
    });
    return metric.fn(yt, yp);
  };
  const segments: Segment[] = [];
  for (const col of input.columns) {
    for (const g of groups(col, input.bins ?? 4)) {
      if (g.rows.length < minRows || g.rows.length === n) continue;
      const s = score(g.rows);
      if (!Number.isFinite(s)) continue;
      segments.push({
        column: col.name,
        kind: g.kind,
        label: g.label,
        rows: g.rows.length,
        score: s,
        worseBy: worseBy(s),
      });
    }
  }
  segments.sort((a, b) => b.worseBy - a.worseBy || a.column.localeCompare(b.column) || a.label.localeCompare(b.label));
  const out: ErrorAnalysis = {
    metric: metric.name,
    overall,
    rows: n,
    segments: segments.slice(0, input.top ?? 12),
    findings: [],
  };
  if (width === 1 && !isClassification(y, predictions, metric.name))
    out.residuals = sample(y, predictions, 600, input.seed ?? 0);
  else if (width === 1) out.calibration = calibration(y, predictions, 10);
  out.findings = out.segments
    .filter((s) => s.worseBy > 0.1)
    .slice(0, 5)
    .map(
      (s) =>
        `${metric.name} ${formatScore(s.score, metric.name)} on ${s.column}${s.kind === 'category' ? '=' : ' in '}${s.label} (${s.rows} rows) vs ${formatScore(overall, metric.name)} overall`,
    );
  return out;
}

function isClassification(_y: Float64Array, _p: Float64Array, metric: string): boolean {
  return !(metric === 'rmse' || metric === 'mae' || metric === 'r2');
}

interface Group {
  kind: Segment['kind'];
  label: string;
  rows: number[];
}

function groups(col: Column, bins: number): Group[] {
  const n = col.kind === 'numeric' ? col.values.length : col.values.length;
  if (col.kind === 'categorical') {
    const by = new Map<string, number[]>();
    for (let r = 0; r < n; r++) {
      const v = col.values[r] === '' ? '(missing)' : (col.values[r] as string);
      const g = by.get(v);
      if (g) g.push(r);
      else by.set(v, [r]);
    }
    if (by.size > 50) return []; // an ID-like text column: every value its own segment says nothing
    return [...by.entries()].map(([label, rows]) => ({ kind: 'category', label, rows }));
  }
  const present = Array.from(col.values)
    .filter((v) => !Number.isNaN(v))
    .sort((a, b) => a - b);
  if (present.length === 0) return [];
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const e = present[Math.min(present.length - 1, Math.floor((b * present.length) / bins))] as number;
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  const out: Group[] = [];
  const missing: number[] = [];
  const buckets: number[][] = Array.from({ length: edges.length + 1 }, () => []);
  for (let r = 0; r < n; r++) {
    const v = col.values[r] as number;
    if (Number.isNaN(v)) {
      missing.push(r);
      continue;
    }
    let k = 0;
    while (k < edges.length && v >= (edges[k] as number)) k++;
    (buckets[k] as number[]).push(r);
  }
  const lo = present[0] as number;
  const hi = present[present.length - 1] as number;
  buckets.forEach((rows, k) => {
    const a = k === 0 ? lo : (edges[k - 1] as number);
    const b = k === edges.length ? hi : (edges[k] as number);
    out.push({
      kind: 'quantile',
      label: `${k === 0 ? '[' : '['}${short(a)}, ${short(b)}${k === edges.length ? ']' : ')'}`,
      rows,
    });
  });
  if (missing.length > 0) out.push({ kind: 'category', label: '(missing)', rows: missing });
  return out;
}

function short(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString();
}

function sample(
  y: Float64Array,
  p: Float64Array,
  max: number,
  seed: number,
): { predicted: number[]; actual: number[] } {
  const n = y.length;
  let idx = Array.from({ length: n }, (_, i) => i);
  if (n > max) {
    const rng = mulberry32(seed);
    for (let i = 0; i < max; i++) {
      const j = i + Math.floor(rng() * (n - i));
      [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    }
    idx = idx.slice(0, max).sort((a, b) => a - b);
  }
  return { predicted: idx.map((i) => p[i] as number), actual: idx.map((i) => y[i] as number) };
}

/** Equal-width probability bins (empty bins left out). */
export function calibration(y: Float64Array, p: Float64Array, bins: number): CalibrationBin[] {
  const sums = Array.from({ length: bins }, () => ({ p: 0, y: 0, n: 0 }));
  for (let i = 0; i < y.length; i++) {
    const v = p[i] as number;
    const b = sums[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))] as { p: number; y: number; n: number };
    b.p += v;
    b.y += y[i] as number;
    b.n++;
  }
  return sums.filter((s) => s.n > 0).map((s) => ({ predicted: s.p / s.n, observed: s.y / s.n, rows: s.n }));
}
