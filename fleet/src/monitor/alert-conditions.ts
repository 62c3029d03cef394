/**
 * What the alert rules of one model version see now (docs/MONITORING.md "Alerts"), read as little
 * as the rules need:
 * - drift of the whole model (`drift.psi`, `drift.prediction` with scope `model`) and the input
 *   drift beside a whole-model performance window: the hourly rollups of the judged windows when
 *   the window is whole hours (the statistics come out the same), else the raw windows;
 * - drift per device or site: the raw windows of the last two windows (the latest judged one is in
 *   them: a partial hour does not reset an alert);
 * - quality: the raw windows of the last `historyWindows + 2` windows, at most three of the longest
 *   window (a spike is judged against the device's own recent windows);
 * - performance: the labels of the last 30 days, and input drift only for the windows judged worse.
 */
import type { Manifest, TelemetryWindow } from '@outpost/protocol';
import type { AlertCondition } from './alert-engine.ts';
import { driftSeries, type DriftGrouping } from './drift-series.ts';
import type { JoinedLabel } from './monitor-store.ts';
import { performanceReport, type PerformancePoint } from './performance.ts';
import { qualityReport } from './quality.ts';
import { driftThresholdsFor, qualityThresholdsFor, type AlertRule, type MonitorSettings } from './settings.ts';
import { HOUR_MS, type WindowSpec } from './windows.ts';

/** How far back the performance rule reads labels. */
export const PERFORMANCE_LOOKBACK_MS = 30 * 86_400_000;

/** Where the conditions read from, for one (model, version). */
export interface ConditionSources {
  /** Stored telemetry windows ending at or after `since` (ISO). */
  windows(since: string): TelemetryWindow[];
  /** Hourly rollups of the hours from the one `sinceMs` falls in on; undefined when there are none. */
  rollups(sinceMs: number): TelemetryWindow[] | undefined;
  /** Labels joined to predictions made at or after `since` (ISO). */
  labels(since: string): JoinedLabel[];
}

export interface ConditionOptions {
  settings: MonitorSettings;
  driftWindow: WindowSpec;
  perfWindow: WindowSpec;
  minLabels: number;
}

/** The newest point of each group among those `keep` accepts. */
function newestPerGroup<T extends { start: string; group?: string }>(
  points: readonly T[],
  keep: (p: T) => boolean,
): T[] {
  const out = new Map<string, T>();
  for (const p of points) {
    if (!keep(p)) continue;
    const key = p.group ?? '';
    const prev = out.get(key);
    if (!prev || p.start > prev.start) out.set(key, p);
  }
  return [...out.values()];
}

/** Of each group's points in the last two windows, the newest one with enough rows (a partial hour does not reset alerts). */
export function latestJudged<T extends { start: string; group?: string; status: string }>(
  points: readonly T[],
  now: number,
  spec: WindowSpec,
): T[] {
  return newestPerGroup(
    points,
    (p) => p.status !== 'insufficient' && !(Date.parse(p.start) + spec.sizeMs <= now - spec.sizeMs),
  );
}

const wholeHours = (w: WindowSpec): boolean => w.sizeMs % HOUR_MS === 0 && w.stepMs % HOUR_MS === 0;

/** The newest judged (not insufficient) performance point of each group. */
const latestPerformance = (points: readonly PerformancePoint[]): PerformancePoint[] =>
  newestPerGroup(points, (p) => p.status !== 'insufficient');

export function alertConditions(
  manifest: Manifest,
  rules: readonly AlertRule[],
  now: number,
  src: ConditionSources,
  o: ConditionOptions,
): AlertCondition[] {
  const model = manifest.name;
  const version = manifest.version;
  const t = driftThresholdsFor(o.settings, model);
  const qt = qualityThresholdsFor(o.settings, model);
  const dw = o.driftWindow;
  const iso = (ms: number): string => new Date(ms).toISOString();

  // Each source is read once per evaluation, and only when a rule needs it.
  const memo = new Map<string, TelemetryWindow[]>();
  const once = (key: string, read: () => TelemetryWindow[]): TelemetryWindow[] => {
    let w = memo.get(key);
    if (!w) memo.set(key, (w = read()));
    return w;
  };
  /** Windows for a series by `by` whose buckets start at or after `fromMs`. */
  const windowsFor = (by: DriftGrouping, spec: WindowSpec, fromMs: number): TelemetryWindow[] => {
    if (by === 'model' && wholeHours(spec)) {
      const rollups = once(`h${fromMs}`, () => src.rollups(fromMs) ?? src.windows(iso(fromMs)));
      return rollups;
    }
    return once(`r${fromMs}`, () => src.windows(iso(fromMs)));
  };
  // The buckets latestJudged can pick start after now − 2 windows; the step bounds where they start.
  const judgedFrom = Math.floor((now - 2 * dw.sizeMs) / dw.stepMs) * dw.stepMs;

  const out: AlertCondition[] = [];
  const base = (rule: AlertRule, subject: string | undefined) => ({
    key: [rule.metric, rule.scope, model, version, subject ?? '*'].join('|'),
    metric: rule.metric,
    scope: rule.scope,
    model,
    version,
    severity: rule.severity,
    forMs: rule.forMs,
    ...(subject !== undefined ? { subject } : {}),
  });
  const who = (subject: string | undefined): string => (subject !== undefined ? ` on ${subject}` : '');
  for (const rule of rules) {
    const by: DriftGrouping = rule.scope;
    if (rule.metric === 'drift.psi' || rule.metric === 'drift.prediction') {
      const threshold = rule.threshold ?? t.major;
      const series = driftSeries(manifest, windowsFor(by, dw, judgedFrom), { window: dw, by, thresholds: t });
      for (const p of latestJudged(series.points, now, dw)) {
        const hit =
          rule.metric === 'drift.psi'
            ? p.maxPsi && p.maxPsi.psi >= threshold
              ? { value: p.maxPsi.psi, what: `${p.maxPsi.feature} PSI` }
              : undefined
            : p.prediction.status !== 'insufficient' && (p.prediction.psi ?? 0) >= threshold
              ? { value: p.prediction.psi as number, what: 'prediction PSI' }
              : undefined;
        if (hit)
          out.push({
            ...base(rule, p.group),
            value: hit.value,
            threshold,
            summary: `${model} v${version}${who(p.group)}: ${hit.what} ${hit.value.toFixed(3)} ≥ ${threshold} (window from ${p.start})`,
          });
      }
    } else if (rule.metric === 'quality') {
      // Never further back than three of the longest window (what the alert loop looks at at all).
      const from = Math.max(
        judgedFrom - qt.historyWindows * dw.sizeMs,
        now - 3 * Math.max(dw.sizeMs, o.perfWindow.sizeMs),
      );
      const report = qualityReport(
        manifest,
        once(`r${from}`, () => src.windows(iso(from))),
        {
          window: dw,
          thresholds: qt,
        },
      );
      const latest = latestJudged(
        report.points.map((p) => ({ ...p, group: p.device })),
        now,
        dw,
      );
      for (const p of latest) {
        for (const f of report.findings) {
          if (f.device !== p.device || f.start !== p.start) continue;
          const subject = rule.scope === 'site' ? f.site : rule.scope === 'device' ? f.device : undefined;
          out.push({
            ...base(rule, subject),
            key: [rule.metric, rule.scope, model, version, subject ?? '*', f.device, f.feature, f.kind].join('|'),
            value: f.value,
            threshold: null,
            summary: `${model} v${version}: ${f.kind} ${f.feature} on device ${f.device} (site ${f.site})${f.value !== null ? `, value ${Number(f.value.toFixed(4))}` : ''} (window from ${f.start})`,
          });
        }
      }
    } else {
      const pby = rule.scope === 'device' ? 'device' : 'model';
      const perf = performanceReport(manifest, src.labels(iso(now - PERFORMANCE_LOOKBACK_MS)), {
        window: o.perfWindow,
        by: pby,
        minLabels: o.minLabels,
      });
      const band = perf.band;
      const worse = latestPerformance(perf.points).filter((p) => p.status === 'worse');
      if (!band || worse.length === 0) continue;
      // Input drift in the same windows: was it concept drift (inputs in distribution)?
      const from = Math.min(...worse.map((p) => Date.parse(p.start)));
      const drift = driftSeries(manifest, windowsFor(pby, o.perfWindow, from), {
        window: o.perfWindow,
        by: pby,
        thresholds: t,
      });
      const driftAt = new Map(drift.points.map((p) => [`${p.group ?? ''}\u0000${p.start}`, p.status]));
      for (const p of worse) {
        const conceptDrift = driftAt.get(`${p.group ?? ''}\u0000${p.start}`) === 'ok';
        out.push({
          ...base(rule, p.group),
          value: p.value,
          threshold: band.metric in { rmse: 1, mae: 1 } ? band.high : band.low,
          summary:
            `${model} v${version}${who(p.group)}: ${band.metric} ${p.value?.toFixed(4)} outside the test band ` +
            `[${band.low.toFixed(4)}, ${band.high.toFixed(4)}] over ${p.labels} labels (window from ${p.start})` +
            (conceptDrift ? '; inputs in distribution: concept drift' : ''),
        });
      }
    }
  }
  return out;
}
