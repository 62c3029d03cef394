/**
 * Drift over time (docs/MONITORING.md "Drift over time"): the stored telemetry windows of one model
 * version, summed per time window (hourly, daily, …) and per group (the whole model, each device,
 * or each site — the gateway that relayed the device), then per feature PSI, Jensen–Shannon, χ² for
 * categories and the binned KS distance for numeric features, and the same for the prediction
 * distribution. A window with fewer rows than `minRows` is "insufficient": shown, never alarmed.
 */
import type { FeatureCounts, FeatureReference, Manifest, TelemetryWindow } from '@outpost/protocol';
import type { DriftThresholds } from '../drift/drift-report.ts';
import { jensenShannon, psi } from '../drift/psi.ts';
import { windowCount } from './hourly-windows.ts';
import { chiSquare, ksFromBins, type ChiSquare, type KolmogorovSmirnov } from './statistics.ts';
import { bucketStarts, type WindowSpec } from './windows.ts';

export type DriftGrouping = 'model' | 'device' | 'site';
export type WindowDriftStatus = 'ok' | 'moderate' | 'major' | 'insufficient';

export interface WindowFeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  /** Rows with a value (missing ones are not part of either distribution). */
  rows: number;
  psi: number | null;
  js: number | null;
  /** Categorical features only: Pearson's χ² over the reference categories. */
  chi2: ChiSquare | null;
  /** Numeric features (and the prediction) only: KS distance of the cumulative bins. */
  ks: KolmogorovSmirnov | null;
  status: WindowDriftStatus;
}

export interface DriftPoint {
  /** Window start and end (ISO, end exclusive). */
  start: string;
  end: string;
  /** The device or site id with `by` device / site; absent for the whole model. */
  group?: string;
  /** Telemetry windows summed. */
  windows: number;
  rows: number;
  features: WindowFeatureDrift[];
  prediction: WindowFeatureDrift;
  /** The worst feature status (prediction included); "insufficient" only when nothing had enough rows. */
  status: WindowDriftStatus;
  /** The largest feature PSI among features with enough rows, and its feature. */
  maxPsi: { feature: string; psi: number } | null;
}

export interface DriftSeries {
  model: string;
  version: number;
  by: DriftGrouping;
  window: WindowSpec;
  thresholds: DriftThresholds;
  /** By group, then start. */
  points: DriftPoint[];
  /** Feature counts skipped because their bins did not match the reference (a device on other edges). */
  mismatched: number;
}

export interface DriftSeriesOptions {
  window: WindowSpec;
  by?: DriftGrouping;
  thresholds: DriftThresholds;
}

interface Accumulator {
  start: number;
  group: string | undefined;
  windows: number;
  rows: number;
  features: Map<string, number[]>;
  prediction: number[];
}

/** Reference frequencies as compared: a categorical feature gains an "unseen" bin with reference 0. */
export function referenceBins(ref: FeatureReference): number[] {
  return ref.kind === 'numeric' ? [...ref.freqs] : [...ref.freqs, 0];
}

/** Observed bins as compared with `referenceBins`, or undefined when they do not match the reference. */
export function observedBins(ref: FeatureReference, counts: FeatureCounts): readonly number[] | undefined {
  const bins = counts.kind === 'numeric' ? counts.bins : [...counts.counts, counts.unseen];
  const want = ref.kind === 'numeric' ? ref.freqs.length : ref.freqs.length + 1;
  return counts.kind === ref.kind && bins.length === want ? bins : undefined;
}

function addInto(target: number[], values: readonly number[]): void {
  for (let i = 0; i < values.length; i++) target[i] = (target[i] as number) + (values[i] as number);
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function statusOf(p: number | null, rows: number, t: DriftThresholds): WindowDriftStatus {
  if (p === null || rows < t.minRows) return 'insufficient';
  if (p >= t.major) return 'major';
  if (p >= t.moderate) return 'moderate';
  return 'ok';
}

const RANK: Record<WindowDriftStatus, number> = { insufficient: 0, ok: 1, moderate: 2, major: 3 };

/** The drift of one feature's (or the prediction's) summed counts against its reference. */
export function featureDrift(
  feature: string,
  kind: 'numeric' | 'categorical',
  expected: readonly number[],
  counts: readonly number[],
  t: DriftThresholds,
): WindowFeatureDrift {
  let n = 0;
  for (const c of counts) n += c;
  const p = n > 0 ? finiteOrNull(psi(expected, counts, t.epsilon)) : null;
  const js = n > 0 ? finiteOrNull(jensenShannon(expected, counts)) : null;
  const chi = kind === 'categorical' && n > 0 ? chiSquare(expected, counts) : null;
  const ks = kind === 'numeric' && n > 0 ? ksFromBins(expected, counts) : null;
  return {
    feature,
    kind,
    rows: n,
    psi: p,
    js,
    chi2: chi && Number.isFinite(chi.statistic) ? chi : null,
    ks: ks && Number.isFinite(ks.statistic) ? ks : null,
    status: statusOf(p, n, t),
  };
}

function groupOf(w: TelemetryWindow, by: DriftGrouping): string | undefined {
  if (by === 'device') return w.device;
  if (by === 'site') return w.gateway ?? '(no site)';
  return undefined;
}

/** The pure computation over windows already read (all of one model version). */
export function driftSeries(
  manifest: Manifest,
  windows: readonly TelemetryWindow[],
  o: DriftSeriesOptions,
): DriftSeries {
  const by = o.by ?? 'model';
  const t = o.thresholds;
  const reference = manifest.reference;
  const refEntries = Object.entries(reference.features);
  const expected = new Map(refEntries.map(([name, ref]) => [name, referenceBins(ref)]));
  const accs = new Map<string, Accumulator>();
  let mismatched = 0;

  for (const w of windows) {
    const group = groupOf(w, by);
    for (const start of bucketStarts(Date.parse(w.windowStart), o.window)) {
      const key = `${group ?? ''}\u0000${start}`;
      let acc = accs.get(key);
      if (!acc) {
        acc = {
          start,
          group,
          windows: 0,
          rows: 0,
          features: new Map(refEntries.map(([name]) => [name, (expected.get(name) as number[]).map(() => 0)])),
          prediction: reference.prediction.freqs.map(() => 0),
        };
        accs.set(key, acc);
      }
      acc.windows += windowCount(w);
      acc.rows += w.rows;
      for (const [name, ref] of refEntries) {
        const counts = w.features[name];
        if (!counts) continue;
        const bins = observedBins(ref, counts);
        if (bins) addInto(acc.features.get(name) as number[], bins);
        else mismatched++;
      }
      if (w.predictions.bins.length === acc.prediction.length) addInto(acc.prediction, w.predictions.bins);
      else mismatched++;
    }
  }

  const points: DriftPoint[] = [...accs.values()]
    .sort((a, b) => (a.group ?? '').localeCompare(b.group ?? '') || a.start - b.start)
    .map((acc) => {
      const features = refEntries.map(([name, ref]) =>
        featureDrift(name, ref.kind, expected.get(name) as number[], acc.features.get(name) as number[], t),
      );
      const prediction = featureDrift('(prediction)', 'numeric', reference.prediction.freqs, acc.prediction, t);
      let status: WindowDriftStatus = 'insufficient';
      let maxPsi: DriftPoint['maxPsi'] = null;
      for (const f of [...features, prediction]) if (RANK[f.status] > RANK[status]) status = f.status;
      for (const f of features)
        if (f.status !== 'insufficient' && f.psi !== null && (maxPsi === null || f.psi > maxPsi.psi))
          maxPsi = { feature: f.feature, psi: f.psi };
      return {
        start: new Date(acc.start).toISOString(),
        end: new Date(acc.start + o.window.sizeMs).toISOString(),
        ...(acc.group !== undefined ? { group: acc.group } : {}),
        windows: acc.windows,
        rows: acc.rows,
        features,
        prediction,
        status,
        maxPsi,
      };
    });
  return { model: manifest.name, version: manifest.version, by, window: o.window, thresholds: t, points, mismatched };
}
