/**
 * Performance from joined labels (docs/MONITORING.md "Performance"): per model version, time
 * window (by prediction time, so late labels update the window they belong to) and optionally
 * device — RMSE and MAE for regression, accuracy, precision, recall and F1 for classification —
 * against the model's test figures as the reference band: the manifest's `ci95` when it has one,
 * else value ± 1.96 · std of its cross-validation folds.
 */
import type { Manifest } from '@outpost/protocol';
import type { JoinedLabel } from './monitor-store.ts';
import { bucketStarts, type WindowSpec } from './windows.ts';

export type PerformanceStatus = 'ok' | 'worse' | 'better' | 'insufficient';

export interface ReferenceBand {
  metric: string;
  value: number;
  low: number;
  high: number;
  /** Which manifest figure it came from ('cv', 'validation', …). */
  source: string;
}

export interface PerformancePoint {
  start: string;
  end: string;
  /** The device with `by: 'device'`. */
  group?: string;
  /** Labelled predictions in the window. */
  labels: number;
  metrics: Record<string, number>;
  /** The band's metric in this window (null without a band metric or labels). */
  value: number | null;
  status: PerformanceStatus;
}

export interface PerformanceReport {
  model: string;
  version: number;
  task: Manifest['task'];
  band: ReferenceBand | null;
  window: WindowSpec;
  by: 'model' | 'device';
  minLabels: number;
  points: PerformancePoint[];
}

const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'mse', 'logloss', 'log_loss']);

/** The model's test figure with its interval, from the manifest's metrics (cv first, then validation). */
export function referenceBand(manifest: Manifest): ReferenceBand | null {
  for (const source of ['cv', 'test', 'validation']) {
    const m = manifest.metrics[source];
    if (!m) continue;
    if (m.ci95) return { metric: m.metric, value: m.value, low: m.ci95[0], high: m.ci95[1], source };
    if (m.std !== undefined)
      return { metric: m.metric, value: m.value, low: m.value - 1.96 * m.std, high: m.value + 1.96 * m.std, source };
  }
  return null;
}

function decisionThreshold(manifest: Manifest): number {
  return manifest.metrics.decision_threshold?.value ?? 0.5;
}

/** A label as the class index it names (numbers, numeric strings, true/false); NaN otherwise. */
function classOf(label: number | string): number {
  if (typeof label === 'number') return label;
  const t = label.trim().toLowerCase();
  if (t === 'true' || t === 'yes') return 1;
  if (t === 'false' || t === 'no') return 0;
  return t === '' ? Number.NaN : Number(t);
}

/** Metrics of labelled predictions; classification predictions are probabilities or class indices. */
export function scoreLabels(manifest: Manifest, rows: readonly JoinedLabel[]): Record<string, number> {
  const pairs = rows.flatMap((r) =>
    r.prediction && r.label !== undefined ? [{ p: r.prediction.value, y: r.label }] : [],
  );
  if (pairs.length === 0) return {};
  if (manifest.task === 'regression') {
    let se = 0;
    let ae = 0;
    let n = 0;
    for (const { p, y } of pairs) {
      const yv = typeof y === 'number' ? y : Number(y);
      if (!Number.isFinite(yv)) continue;
      se += (p - yv) ** 2;
      ae += Math.abs(p - yv);
      n++;
    }
    return n === 0 ? {} : { rmse: Math.sqrt(se / n), mae: ae / n };
  }
  const threshold = decisionThreshold(manifest);
  const scored = pairs
    .map(({ p, y }) => ({
      predicted: manifest.task === 'binary' ? (p >= threshold ? 1 : 0) : Math.round(p),
      actual: classOf(y),
    }))
    .filter((x) => Number.isFinite(x.actual));
  if (scored.length === 0) return {};
  const classes = manifest.task === 'binary' ? [1] : [...new Set(scored.flatMap((s) => [s.actual, s.predicted]))];
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const s of scored) {
      if (s.predicted === c && s.actual === c) tp++;
      else if (s.predicted === c) fp++;
      else if (s.actual === c) fn++;
    }
    const pr = tp + fp > 0 ? tp / (tp + fp) : 0;
    const rc = tp + fn > 0 ? tp / (tp + fn) : 0;
    precision += pr;
    recall += rc;
    f1 += pr + rc > 0 ? (2 * pr * rc) / (pr + rc) : 0;
  }
  const k = classes.length;
  const accuracy = scored.filter((s) => s.predicted === s.actual).length / scored.length;
  // Binary: of the positive class; multiclass: macro averages.
  return { accuracy, precision: precision / k, recall: recall / k, f1: f1 / k };
}

/**
 * Performance per window (and device). A window needs `minLabels` labels before its metric is
 * judged against the band; `worse` is outside the band on the bad side (above it for errors,
 * below it for scores), `better` outside on the good side.
 */
export function performanceReport(
  manifest: Manifest,
  labels: readonly JoinedLabel[],
  o: { window: WindowSpec; by?: 'model' | 'device'; minLabels: number },
): PerformanceReport {
  const by = o.by ?? 'model';
  const band = referenceBand(manifest);
  const groups = new Map<string, { start: number; group: string | undefined; rows: JoinedLabel[] }>();
  for (const l of labels) {
    if (!l.prediction) continue;
    const group = by === 'device' ? (l.device ?? '(unknown)') : undefined;
    for (const start of bucketStarts(Date.parse(l.prediction.at), o.window)) {
      const key = `${group ?? ''}\u0000${start}`;
      const g = groups.get(key) ?? { start, group, rows: [] };
      g.rows.push(l);
      groups.set(key, g);
    }
  }
  const points = [...groups.values()]
    .sort((a, b) => (a.group ?? '').localeCompare(b.group ?? '') || a.start - b.start)
    .map((g): PerformancePoint => {
      const metrics = scoreLabels(manifest, g.rows);
      const value = band ? (metrics[band.metric] ?? null) : null;
      let status: PerformanceStatus = 'ok';
      if (g.rows.length < o.minLabels || value === null || !band) status = 'insufficient';
      else {
        const lowerBetter = LOWER_IS_BETTER.has(band.metric);
        if (value > band.high) status = lowerBetter ? 'worse' : 'better';
        else if (value < band.low) status = lowerBetter ? 'better' : 'worse';
      }
      return {
        start: new Date(g.start).toISOString(),
        end: new Date(g.start + o.window.sizeMs).toISOString(),
        ...(g.group !== undefined ? { group: g.group } : {}),
        labels: g.rows.length,
        metrics,
        value,
        status,
      };
    });
  return {
    model: manifest.name,
    version: manifest.version,
    task: manifest.task,
    band,
    window: o.window,
    by,
    minLabels: o.minLabels,
    points,
  };
}
