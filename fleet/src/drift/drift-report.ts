import type { FeatureReference, Manifest, TelemetryWindow } from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import type { FleetDb } from '../store/fleet-db.ts';
import { windowCount, windowsForDrift } from '../monitor/hourly-windows.ts';
import { PSI_EPSILON, jensenShannon, psi } from './psi.ts';

export type DriftStatus = 'ok' | 'moderate' | 'major' | 'small-window';

export interface DriftThresholds {
  /** PSI at or above this is 'moderate' (common practice: 0.1). */
  moderate: number;
  /** PSI at or above this is 'major' (common practice: 0.25). */
  major: number;
  /** Fewer observed rows than this is 'small-window': flagged, not alarmed (docs/ARCHITECTURE.md "Drift"). */
  minRows: number;
  epsilon: number;
}

/**
 * minRows 500: with 10 bins, PSI between two samples of the SAME distribution averages ≈ 9/n (0.06
 * at n = 150, with tails past 0.25), so a few hundred rows are needed before a value means drift.
 */
export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  moderate: 0.1,
  major: 0.25,
  minRows: 500,
  epsilon: PSI_EPSILON,
};

export interface FeatureDrift {
  feature: string;
  /** null when no rows were observed for the feature. */
  psi: number | null;
  js: number | null;
  rows: number;
  status: DriftStatus;
}

export interface DriftReport {
  model: string;
  version: number;
  device?: string;
  windows: number;
  rows: number;
  /** Sorted by PSI, largest first (features without rows last). */
  features: FeatureDrift[];
  prediction: { psi: number | null; js: number | null; rows: number; status: DriftStatus };
  /** Feature counts skipped because their bin count did not match the reference (a device on other edges). */
  mismatched: number;
}

export interface DriftOptions {
  device?: string;
  thresholds?: Partial<DriftThresholds>;
  /** Only windows ending at or after this time (ISO). */
  since?: string;
  /** Only windows starting at or before this time (ISO). */
  until?: string;
  /** The store's fleet.db: the whole range then reads its hourly rollups. */
  db?: FleetDb;
}

function statusOf(value: number | null, rows: number, t: DriftThresholds): DriftStatus {
  if (value === null || rows < t.minRows) return 'small-window';
  if (value >= t.major) return 'major';
  if (value >= t.moderate) return 'moderate';
  return 'ok';
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function addInto(target: number[], values: readonly number[]): void {
  for (let i = 0; i < values.length; i++) target[i] = (target[i] ?? 0) + (values[i] as number);
}

/** Reference frequencies of a feature as compared: categorical gains an "unseen" bin with reference 0. */
function referenceBins(ref: FeatureReference): number[] {
  return ref.kind === 'numeric' ? [...ref.freqs] : [...ref.freqs, 0];
}

/**
 * Drift of one model version against its reference profile (docs/ARCHITECTURE.md "Drift"): bin counts summed over
 * every stored window of (model, version[, device]), then PSI and Jensen–Shannon per feature and
 * for the prediction distribution. Numeric features compare `bins` with the reference `freqs`;
 * categorical features compare `counts` plus `unseen` with the reference freqs plus 0. Missing
 * values are not part of either distribution.
 */
export function driftReport(store: FleetStore, manifest: Manifest, options: DriftOptions = {}): DriftReport {
  const t: DriftThresholds = { ...DEFAULT_DRIFT_THRESHOLDS, ...options.thresholds };
  // The whole range: the hourly rollups give the same sums (monitor/hourly-windows.ts).
  const windows = windowsForDrift(
    store,
    {
      model: manifest.name,
      version: manifest.version,
      ...(options.device !== undefined ? { device: options.device } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
    },
    true,
    options.db,
  );
  return summarise(manifest, windows, t, options.device);
}

/** The pure part of `driftReport`, over windows already read. */
export function summarise(
  manifest: Manifest,
  windows: readonly TelemetryWindow[],
  t: DriftThresholds,
  device?: string,
): DriftReport {
  const reference = manifest.reference;
  const observed = new Map<string, number[]>();
  const predictionCounts: number[] = reference.prediction.freqs.map(() => 0);
  let rows = 0;
  let mismatched = 0;

  for (const w of windows) {
    rows += w.rows;
    for (const [name, ref] of Object.entries(reference.features)) {
      const counts = w.features[name];
      if (!counts) continue;
      const bins = counts.kind === 'numeric' ? counts.bins : [...counts.counts, counts.unseen];
      if (counts.kind !== ref.kind || bins.length !== referenceBins(ref).length) {
        mismatched++;
        continue;
      }
      const acc = observed.get(name) ?? referenceBins(ref).map(() => 0);
      addInto(acc, bins);
      observed.set(name, acc);
    }
    if (w.predictions.bins.length === predictionCounts.length) addInto(predictionCounts, w.predictions.bins);
    else mismatched++;
  }

  const features: FeatureDrift[] = Object.entries(reference.features).map(([feature, ref]) => {
    const expected = referenceBins(ref);
    const counts = observed.get(feature) ?? expected.map(() => 0);
    const n = counts.reduce((a, b) => a + b, 0);
    const p = n > 0 ? finiteOrNull(psi(expected, counts, t.epsilon)) : null;
    const js = n > 0 ? finiteOrNull(jensenShannon(expected, counts)) : null;
    return { feature, psi: p, js, rows: n, status: statusOf(p, n, t) };
  });
  features.sort((a, b) => (b.psi ?? -Infinity) - (a.psi ?? -Infinity) || a.feature.localeCompare(b.feature));

  const predictionRows = predictionCounts.reduce((a, b) => a + b, 0);
  const predictionPsi =
    predictionRows > 0 ? finiteOrNull(psi(reference.prediction.freqs, predictionCounts, t.epsilon)) : null;
  const predictionJs =
    predictionRows > 0 ? finiteOrNull(jensenShannon(reference.prediction.freqs, predictionCounts)) : null;

  return {
    model: manifest.name,
    version: manifest.version,
    ...(device !== undefined ? { device } : {}),
    windows: windows.reduce((n, w) => n + windowCount(w), 0),
    rows,
    features,
    prediction: {
      psi: predictionPsi,
      js: predictionJs,
      rows: predictionRows,
      status: statusOf(predictionPsi, predictionRows, t),
    },
    mismatched,
  };
}

/**
 * The manifest of the version of `model` drift is judged for: `version`, or by default the newest
 * version devices sent telemetry for (in the range). Throws `UNKNOWN_MODEL` when the model has no
 * registered version, `NO_DEVICE_RUNS_VERSION` when no device sent telemetry for any version, and
 * `VERSION_NOT_REGISTERED` when the version is not registered.
 */
export function resolveDriftManifest(
  store: FleetStore,
  model: string,
  options: Omit<DriftOptions, 'thresholds'> & { version?: number } = {},
): Manifest {
  if (store.latestVersion(model) === undefined)
    throw fleetError(FleetErrorCodes.UNKNOWN_MODEL, `no registered version of model ${model}`, { model });
  const range = {
    ...(options.device !== undefined ? { device: options.device } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
  };
  const version = options.version ?? store.telemetryVersions({ model, ...range }).at(-1);
  if (version === undefined)
    throw fleetError(
      FleetErrorCodes.NO_DEVICE_RUNS_VERSION,
      `no device sent telemetry for any version of ${model}${options.since || options.until ? ' in that time range' : ''}`,
      { model, ...range },
    );
  const artifact = store.findArtifact(model, version);
  if (!artifact)
    throw fleetError(FleetErrorCodes.VERSION_NOT_REGISTERED, `no registered artifact for ${model} v${version}`, {
      model,
      version,
    });
  return artifact.manifest;
}

/**
 * Drift of a model by name: `version` defaults to the newest one devices sent telemetry for (see
 * `resolveDriftManifest` for the errors).
 */
export function modelDrift(
  store: FleetStore,
  model: string,
  options: DriftOptions & { version?: number } = {},
): DriftReport {
  const { thresholds, db, ...range } = options;
  const manifest = resolveDriftManifest(store, model, range);
  const { version: _version, ...query } = range;
  return driftReport(store, manifest, { ...query, ...(thresholds ? { thresholds } : {}), ...(db ? { db } : {}) });
}
