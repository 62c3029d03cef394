/**
 * Monitoring as one service (docs/MONITORING.md): drift over time, data quality and performance of
 * a model, labels joined to predictions, and the alert engine evaluated on a timer (injected clock)
 * or on demand. What the fleet exposes as `fleet.monitor`, and what the dashboard's API
 * routes call. Alerts go out on the `alerts` MQTT topic (not retained), to the webhook when one is
 * configured, and to `onAlert` — the seam a campaign engine uses to pause a rollout.
 */
import {
  alertTopics,
  encode,
  errorMessage,
  type Clock,
  type LabelMessage,
  type Logger,
  type Manifest,
  type Transport,
} from '@outpost/protocol';
import { resolveDriftManifest } from '../drift/drift-report.ts';
import type { FleetDb } from '../store/fleet-db.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import { createAlertEngine, type AlertCondition, type AlertEngine } from './alert-engine.ts';
import { alertConditions } from './alert-conditions.ts';
import { hourlyWindows, windowsForDrift } from './hourly-windows.ts';
import { driftSeries, type DriftGrouping, type DriftPoint, type DriftSeries } from './drift-series.ts';
import { importLabelCsv, type LabelImportResult } from './label-import.ts';
import type { Alert, AlertQuery, JoinedLabel, MonitorStore } from './monitor-store.ts';
import { performanceReport, type PerformancePoint, type PerformanceReport } from './performance.ts';
import { qualityReport, type QualityReport } from './quality.ts';
import {
  alertRulesFor,
  driftThresholdsFor,
  qualityThresholdsFor,
  type AlertMetric,
  type AlertRule,
  type MonitorSettings,
} from './settings.ts';
import { createWebhookSender } from './webhook.ts';
import { HOUR_MS, parseWindowSpec, type WindowSpec } from './windows.ts';

/** Fewest labels a window needs before its metric is judged against the band. */
export const DEFAULT_MIN_LABELS = 30;

export interface MonitorRange {
  version?: number;
  /** `1h`, `1d`, `1d/1h`… */
  window?: string;
  since?: string;
  until?: string;
}

export interface PerformancePointWithDrift extends PerformancePoint {
  /** The inputs' drift status in the same window and group (null: no telemetry there). */
  inputDrift: DriftPoint['status'] | null;
  /** The metric is worse than the band while the inputs stay in distribution (drift ok). */
  conceptDrift: boolean;
}

export interface PerformanceWithDrift extends Omit<PerformanceReport, 'points'> {
  points: PerformancePointWithDrift[];
  /** Imported labels still waiting for their prediction (fleet-wide). */
  unjoined: number;
}

export interface Monitor {
  drift(model: string, opts?: MonitorRange & { by?: DriftGrouping; device?: string }): DriftSeries;
  quality(model: string, opts?: MonitorRange): QualityReport;
  performance(
    model: string,
    opts?: MonitorRange & { by?: 'model' | 'device'; minLabels?: number },
  ): PerformanceWithDrift;
  /** A label from a device (relayed): joined to what the device logged about the prediction. */
  recordLabel(label: LabelMessage): JoinedLabel;
  importLabels(csv: string): LabelImportResult;
  alerts(query?: AlertQuery): Alert[];
  acknowledge(id: string, by?: string): Promise<Alert>;
  /** Evaluates every rule of every model devices sent telemetry for recently; returns the alerts notified. */
  evaluate(): Promise<Alert[]>;
  /** Evaluates every `everyMs` on the clock until `stop`. */
  start(everyMs: number): void;
  stop(): void;
}

export interface MonitorOptions {
  store: FleetStore;
  /** The store's fleet.db: whole-model drift then reads its hourly rollups (docs/MONITORING.md "Windows"). */
  db?: FleetDb;
  monitorStore: MonitorStore;
  settings?: MonitorSettings;
  clock: Clock;
  logger: Logger;
  /** Publishes alerts on `outpost/v1/alerts/<model>` when given. */
  transport?: Transport;
  /** Told of every alert that fires, is acknowledged or resolves (errors are logged, not thrown). */
  onAlert?: (alert: Alert) => void | Promise<void>;
  /** Windows the alert rules judge: drift and quality (default 1h), performance (default 1d). */
  alertWindows?: { drift?: string; performance?: string };
}

export function createMonitor(o: MonitorOptions): Monitor {
  const settings = o.settings ?? {};
  const logger = o.logger.child({ part: 'monitor' });
  const webhook = settings.webhook ? createWebhookSender(settings.webhook, { clock: o.clock, logger }) : undefined;
  const notify = async (alert: Alert): Promise<void> => {
    logger.info({ alert: alert.id, state: alert.state, summary: alert.summary }, 'alert');
    if (o.transport?.connected)
      await o.transport
        .publish(alertTopics.model(alert.model), encode(alert), { qos: 1, retain: false })
        .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'alert not published'));
    if (webhook)
      await webhook
        .send(alert)
        .catch((err: unknown) => logger.error({ err: errorMessage(err), alert: alert.id }, 'alert webhook gave up'));
    if (o.onAlert)
      await Promise.resolve()
        .then(() => o.onAlert?.(alert))
        .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'onAlert hook failed'));
  };
  const engine: AlertEngine = createAlertEngine({ store: o.monitorStore, clock: o.clock, logger, notify });
  const driftWindow = parseWindowSpec(o.alertWindows?.drift ?? '1h');
  const perfWindow = parseWindowSpec(o.alertWindows?.performance ?? '1d');

  const manifestOf = (model: string, r: MonitorRange & { device?: string }): Manifest =>
    resolveDriftManifest(o.store, model, {
      ...(r.version !== undefined ? { version: r.version } : {}),
      ...(r.device !== undefined ? { device: r.device } : {}),
      ...(r.since !== undefined ? { since: r.since } : {}),
      ...(r.until !== undefined ? { until: r.until } : {}),
    });
  const windowsOf = (manifest: Manifest, r: MonitorRange & { device?: string }) =>
    o.store.telemetryWindows({
      model: manifest.name,
      version: manifest.version,
      ...(r.device !== undefined ? { device: r.device } : {}),
      ...(r.since !== undefined ? { since: r.since } : {}),
      ...(r.until !== undefined ? { until: r.until } : {}),
    });

  function performanceOf(
    manifest: Manifest,
    r: MonitorRange & { by?: 'model' | 'device'; minLabels?: number },
    window: WindowSpec,
  ): PerformanceWithDrift {
    const labels = o.monitorStore.joinedLabels({
      model: manifest.name,
      version: manifest.version,
      ...(r.since !== undefined ? { since: r.since } : {}),
      ...(r.until !== undefined ? { until: r.until } : {}),
    });
    const by = r.by ?? 'model';
    const perf = performanceReport(manifest, labels, { window, by, minLabels: r.minLabels ?? DEFAULT_MIN_LABELS });
    const drift = driftSeries(manifest, windowsOf(manifest, r), {
      window,
      by,
      thresholds: driftThresholdsFor(settings, manifest.name),
    });
    const driftAt = new Map(drift.points.map((p) => [`${p.group ?? ''}\u0000${p.start}`, p.status]));
    const points = perf.points.map((p): PerformancePointWithDrift => {
      const inputDrift = driftAt.get(`${p.group ?? ''}\u0000${p.start}`) ?? null;
      return { ...p, inputDrift, conceptDrift: p.status === 'worse' && inputDrift === 'ok' };
    });
    return { ...perf, points, unjoined: o.monitorStore.countUnjoined() };
  }

  const conditions = (manifest: Manifest, rules: readonly AlertRule[], now: number): AlertCondition[] => {
    const q = { model: manifest.name, version: manifest.version };
    return alertConditions(
      manifest,
      rules,
      now,
      {
        windows: (since) => o.store.telemetryWindows({ ...q, since }),
        rollups: (sinceMs) => hourlyWindows(o.db, q.model, q.version, sinceMs),
        labels: (since) => o.monitorStore.joinedLabels({ ...q, since }),
      },
      { settings, driftWindow, perfWindow, minLabels: DEFAULT_MIN_LABELS },
    );
  };

  let timer: unknown;
  let running: Promise<Alert[]> | undefined;

  const monitor: Monitor = {
    drift(model, opts = {}) {
      const manifest = manifestOf(model, opts);
      const window = parseWindowSpec(opts.window ?? '1h');
      const by = opts.by ?? 'model';
      const wholeHours = by === 'model' && window.sizeMs % HOUR_MS === 0 && window.stepMs % HOUR_MS === 0;
      const windows = windowsForDrift(
        o.store,
        {
          model: manifest.name,
          version: manifest.version,
          ...(opts.device !== undefined ? { device: opts.device } : {}),
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.until !== undefined ? { until: opts.until } : {}),
        },
        wholeHours,
        o.db,
      );
      return driftSeries(manifest, windows, {
        window,
        by,
        thresholds: driftThresholdsFor(settings, model),
      });
    },
    quality(model, opts = {}) {
      const manifest = manifestOf(model, opts);
      return qualityReport(manifest, windowsOf(manifest, opts), {
        window: parseWindowSpec(opts.window ?? '1h'),
        thresholds: qualityThresholdsFor(settings, model),
      });
    },
    performance(model, opts = {}) {
      // Labels can arrive for a version that no longer sends telemetry: default to the newest labelled one.
      const labelled = o.monitorStore.joinedLabels({ model }).map((l) => l.prediction?.version ?? 0);
      const version = opts.version ?? (labelled.length > 0 ? Math.max(...labelled) : undefined);
      const manifest = manifestOf(model, { ...opts, ...(version !== undefined ? { version } : {}) });
      return performanceOf(manifest, opts, parseWindowSpec(opts.window ?? '1d'));
    },
    recordLabel(label) {
      return o.monitorStore.putLabel({
        predictionId: label.predictionId,
        source: 'device',
        device: label.device,
        label: label.label,
        labelledAt: label.at,
        ...(label.prediction ? { prediction: { ...label.prediction } } : {}),
      });
    },
    importLabels: (csv) => importLabelCsv(o.monitorStore, csv, new Date(o.clock.now()).toISOString()),
    alerts: (query) => o.monitorStore.alerts(query),
    acknowledge: (id, by) => engine.acknowledge(id, by),
    async evaluate() {
      // One evaluation at a time: a timer tick during a slow webhook waits for the running one.
      while (running) await running.catch(() => undefined);
      const run = (async () => {
        const now = o.clock.now();
        const changed: Alert[] = [];
        const names = [...new Set(o.store.listArtifacts().map((a) => a.name))];
        for (const model of names) {
          const recent = new Date(now - 3 * Math.max(driftWindow.sizeMs, perfWindow.sizeMs)).toISOString();
          const versions = new Set(o.store.telemetryVersions({ model, since: recent }));
          for (const a of o.monitorStore.alerts({ model, state: ['pending', 'firing', 'acknowledged'] }))
            versions.add(a.version);
          for (const version of versions) {
            const artifact = o.store.findArtifact(model, version);
            if (!artifact) continue;
            const rules = alertRulesFor(settings, model);
            const metrics: AlertMetric[] = [...new Set(rules.map((r) => r.metric))];
            changed.push(...(await engine.apply(model, version, metrics, conditions(artifact.manifest, rules, now))));
          }
        }
        return changed;
      })();
      running = run;
      try {
        return await run;
      } finally {
        running = undefined;
      }
    },
    start(everyMs) {
      if (timer !== undefined) return;
      timer = o.clock.setInterval(() => {
        monitor.evaluate().catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'alert evaluation failed'));
      }, everyMs);
    },
    stop() {
      if (timer !== undefined) o.clock.clearInterval(timer);
      timer = undefined;
    },
  };
  return monitor;
}
