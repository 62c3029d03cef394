/**
 * Data quality, apart from drift (docs/MONITORING.md "Data quality"): per device and time window,
 * from the telemetry summaries alone (no raw rows):
 * - stuck sensor: a numeric feature whose values collapse to one value (min = max, from devices that
 *   send min/max) or to one bin the reference does not concentrate in, while another numeric feature
 *   of the same device still moves in the same window;
 * - missing-rate and out-of-range spikes: the window's rate this far above the device's own recent
 *   history (the reference's missing rate, or 0 out of range, before there is any);
 * - unseen categories: a share of values outside the reference categories;
 * - site outlier: a device whose feature distribution differs (PSI ≥ `sitePsi`, and twice the site's
 *   median) from the pooled distribution of its site's other devices (at least two others, so the odd
 *   one out is known).
 * Windows with fewer than `minRows` rows are "insufficient" and give no finding.
 */
import type { Manifest, TelemetryWindow } from '@outpost/protocol';
import { psi } from '../drift/psi.ts';
import type { QualityThresholds } from './settings.ts';
import { bucketStarts, type WindowSpec } from './windows.ts';

export type QualityFindingKind = 'stuck' | 'missing-spike' | 'out-of-range-spike' | 'unseen-category' | 'site-outlier';

export interface QualityFinding {
  kind: QualityFindingKind;
  device: string;
  site: string;
  feature: string;
  /** Window start and end (ISO). */
  start: string;
  end: string;
  /** stuck: the value (min = max) or null when only bins are known; spikes and unseen: the rate; outlier: PSI. */
  value: number | null;
  /** Spikes: the device's usual rate; stuck: the bin index values collapsed into. */
  baseline?: number;
}

export interface QualityPoint {
  device: string;
  site: string;
  start: string;
  end: string;
  rows: number;
  status: 'ok' | 'findings' | 'insufficient';
}

export interface QualityReport {
  model: string;
  version: number;
  window: WindowSpec;
  thresholds: QualityThresholds;
  /** By device, then start. */
  points: QualityPoint[];
  /** By start, then device, feature, kind. */
  findings: QualityFinding[];
}

interface NumericAcc {
  bins: number[];
  missing: number;
  outOfRange: number;
  min: number;
  max: number;
  /** Every window summed reported min / max. */
  minMaxKnown: boolean;
}
interface CategoricalAcc {
  counts: number[];
  missing: number;
  unseen: number;
}
interface DeviceWindow {
  device: string;
  site: string;
  start: number;
  rows: number;
  numeric: Map<string, NumericAcc>;
  categorical: Map<string, CategoricalAcc>;
}

function accumulate(manifest: Manifest, windows: readonly TelemetryWindow[], spec: WindowSpec): DeviceWindow[] {
  const out = new Map<string, DeviceWindow>();
  const refs = Object.entries(manifest.reference.features);
  for (const w of windows) {
    for (const start of bucketStarts(Date.parse(w.windowStart), spec)) {
      const key = `${w.device}\u0000${start}`;
      let acc = out.get(key);
      if (!acc) {
        acc = {
          device: w.device,
          site: w.gateway ?? '(no site)',
          start,
          rows: 0,
          numeric: new Map(),
          categorical: new Map(),
        };
        out.set(key, acc);
      }
      acc.rows += w.rows;
      for (const [name, ref] of refs) {
        const c = w.features[name];
        if (!c || c.kind !== ref.kind) continue;
        if (c.kind === 'numeric') {
          if (c.bins.length !== (ref.kind === 'numeric' ? ref.edges.length + 1 : -1)) continue;
          let n = acc.numeric.get(name);
          if (!n) {
            n = {
              bins: c.bins.map(() => 0),
              missing: 0,
              outOfRange: 0,
              min: Infinity,
              max: -Infinity,
              minMaxKnown: true,
            };
            acc.numeric.set(name, n);
          }
          for (let i = 0; i < c.bins.length; i++) n.bins[i] = (n.bins[i] as number) + (c.bins[i] as number);
          n.missing += c.missing;
          n.outOfRange += c.outOfRange;
          const valued = c.bins.some((b) => b > 0);
          if (valued && (c.min === undefined || c.max === undefined)) n.minMaxKnown = false;
          if (c.min !== undefined) n.min = Math.min(n.min, c.min);
          if (c.max !== undefined) n.max = Math.max(n.max, c.max);
        } else {
          if (ref.kind !== 'categorical' || c.counts.length !== ref.categories.length) continue;
          let k = acc.categorical.get(name);
          if (!k) {
            k = { counts: c.counts.map(() => 0), missing: 0, unseen: 0 };
            acc.categorical.set(name, k);
          }
          for (let i = 0; i < c.counts.length; i++) k.counts[i] = (k.counts[i] as number) + (c.counts[i] as number);
          k.missing += c.missing;
          k.unseen += c.unseen;
        }
      }
    }
  }
  return [...out.values()].sort((a, b) => a.device.localeCompare(b.device) || a.start - b.start);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Appends to a device's history, keeping the newest `max` values. */
function keep(history: number[], value: number, max: number): void {
  history.push(value);
  if (history.length > max) history.shift();
}

/** Whether a numeric feature's values in a window collapsed to one value (or one bin); the bin index, or -1. */
function collapsed(n: NumericAcc, referenceFreqs: readonly number[]): { stuck: boolean; bin: number } {
  const occupied = n.bins.flatMap((b, i) => (b > 0 ? [i] : []));
  if (occupied.length !== 1) return { stuck: false, bin: -1 };
  const bin = occupied[0] as number;
  if (n.minMaxKnown) return { stuck: n.max === n.min, bin };
  // Bins only: one bin is suspicious only where the reference spreads values over several.
  const share = (referenceFreqs[bin] ?? 0) / (sum(referenceFreqs) || 1);
  return { stuck: share < 0.9, bin };
}

function moves(n: NumericAcc): boolean {
  const occupied = n.bins.filter((b) => b > 0).length;
  return occupied >= 2 || (n.minMaxKnown && n.max > n.min);
}

/** Data-quality findings of one model version's windows (see the file comment). */
export function qualityReport(
  manifest: Manifest,
  windows: readonly TelemetryWindow[],
  o: { window: WindowSpec; thresholds: QualityThresholds },
): QualityReport {
  const t = o.thresholds;
  const refs = manifest.reference.features;
  const cells = accumulate(manifest, windows, o.window);
  const findings: QualityFinding[] = [];
  const points: QualityPoint[] = [];
  const history = new Map<string, { missing: number[]; outOfRange: number[] }>();
  const iso = (ms: number): string => new Date(ms).toISOString();

  for (const cell of cells) {
    const start = iso(cell.start);
    const end = iso(cell.start + o.window.sizeMs);
    const at = { device: cell.device, site: cell.site, start, end };
    if (cell.rows < t.minRows) {
      points.push({ ...at, rows: cell.rows, status: 'insufficient' });
      continue;
    }
    const before = findings.length;
    const numeric = [...cell.numeric.entries()];
    for (const [name, n] of numeric) {
      const ref = refs[name];
      const freqs = ref?.kind === 'numeric' ? ref.freqs : [];
      const valued = sum(n.bins);
      const c = collapsed(n, freqs);
      const othersMove = numeric.some(([other, m]) => other !== name && moves(m));
      if (valued >= t.minRows && c.stuck && othersMove)
        findings.push({ kind: 'stuck', ...at, feature: name, value: n.minMaxKnown ? n.min : null, baseline: c.bin });

      const key = `${cell.device}\u0000${name}`;
      const h = history.get(key) ?? { missing: [], outOfRange: [] };
      const missingRate = n.missing / cell.rows;
      const oorRate = valued > 0 ? n.outOfRange / valued : 0;
      const mean = (xs: number[]): number => sum(xs) / xs.length;
      const missingBase = h.missing.length > 0 ? mean(h.missing) : (ref?.missing ?? 0);
      const oorBase = h.outOfRange.length > 0 ? mean(h.outOfRange) : 0;
      if (missingRate - missingBase >= t.spikeDelta)
        findings.push({ kind: 'missing-spike', ...at, feature: name, value: missingRate, baseline: missingBase });
      if (oorRate - oorBase >= t.spikeDelta)
        findings.push({ kind: 'out-of-range-spike', ...at, feature: name, value: oorRate, baseline: oorBase });
      keep(h.missing, missingRate, t.historyWindows);
      keep(h.outOfRange, oorRate, t.historyWindows);
      history.set(key, h);
    }
    for (const [name, k] of cell.categorical) {
      const valued = sum(k.counts) + k.unseen;
      const key = `${cell.device}\u0000${name}`;
      const h = history.get(key) ?? { missing: [], outOfRange: [] };
      const missingRate = k.missing / cell.rows;
      const missingBase = h.missing.length > 0 ? sum(h.missing) / h.missing.length : (refs[name]?.missing ?? 0);
      if (missingRate - missingBase >= t.spikeDelta)
        findings.push({ kind: 'missing-spike', ...at, feature: name, value: missingRate, baseline: missingBase });
      keep(h.missing, missingRate, t.historyWindows);
      history.set(key, h);
      if (valued > 0 && k.unseen / valued >= t.unseenRate)
        findings.push({ kind: 'unseen-category', ...at, feature: name, value: k.unseen / valued });
    }
    points.push({ ...at, rows: cell.rows, status: findings.length > before ? 'findings' : 'ok' });
  }

  // Site outliers: each device against the pooled counts of its site's other devices, per window.
  const bySite = new Map<string, DeviceWindow[]>();
  for (const cell of cells) {
    if (cell.rows < t.minRows) continue;
    const key = `${cell.site}\u0000${cell.start}`;
    bySite.set(key, [...(bySite.get(key) ?? []), cell]);
  }
  for (const group of bySite.values()) {
    if (group.length < 3) continue;
    const features = [
      ...[...(group[0]?.numeric.keys() ?? [])].map((f) => ({ f, of: (c: DeviceWindow) => c.numeric.get(f)?.bins })),
      ...[...(group[0]?.categorical.keys() ?? [])].map((f) => ({
        f,
        of: (c: DeviceWindow) => {
          const k = c.categorical.get(f);
          return k ? [...k.counts, k.unseen] : undefined;
        },
      })),
    ];
    for (const { f, of } of features) {
      const scored: { cell: DeviceWindow; value: number }[] = [];
      for (const cell of group) {
        const mine = of(cell);
        if (!mine || sum(mine) < t.minRows) continue;
        const pooled = mine.map(() => 0);
        for (const other of group) {
          if (other === cell) continue;
          const theirs = of(other);
          if (theirs?.length === pooled.length) theirs.forEach((v, i) => (pooled[i] = (pooled[i] as number) + v));
        }
        if (sum(pooled) >= t.minRows) scored.push({ cell, value: psi(pooled, mine) });
      }
      // An odd one out pulls the pool of every other device too: a device is the outlier only when it
      // stands out from the site's typical distance as well (twice the median), not when all differ.
      const median = [...scored].sort((a, b) => a.value - b.value)[Math.floor((scored.length - 1) / 2)]?.value ?? 0;
      for (const { cell, value } of scored) {
        if (value < t.sitePsi || value < 2 * median) continue;
        const start = iso(cell.start);
        findings.push({
          kind: 'site-outlier',
          device: cell.device,
          site: cell.site,
          feature: f,
          start,
          end: iso(cell.start + o.window.sizeMs),
          value,
        });
        const point = points.find((p) => p.device === cell.device && p.start === start);
        if (point) point.status = 'findings';
      }
    }
  }
  findings.sort(
    (a, b) =>
      a.start.localeCompare(b.start) ||
      a.device.localeCompare(b.device) ||
      a.feature.localeCompare(b.feature) ||
      a.kind.localeCompare(b.kind),
  );
  return { model: manifest.name, version: manifest.version, window: o.window, thresholds: t, points, findings };
}
