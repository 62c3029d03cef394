import type { CommandContext } from '@outpost/protocol/node';
import { driftReport, resolveDriftManifest, type DriftReport } from '../drift/drift-report.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import type { DriftSeries } from '../monitor/drift-series.ts';
import { driftThresholdsFor } from '../monitor/settings.ts';
import { formatDuration } from '../monitor/windows.ts';
import type { DriftCommandOptions } from './monitor-commands.ts';
import { formatTable } from './monitor-format.ts';
import { withMonitor } from './run-monitor-store.ts';

const num = (x: number | null): string => (x === null ? '-' : x.toFixed(4));

/** The whole-range drift report as a plain text table: feature, PSI, JS, rows, status. */
export function formatDriftTable(r: DriftReport): string {
  const head = `${r.model} v${r.version}${r.device !== undefined ? ` device ${r.device}` : ''}: ${r.windows} windows, ${r.rows} rows`;
  return [
    head,
    formatTable(
      [
        ['feature', 'PSI', 'JS', 'rows', 'status'],
        ...r.features.map((f) => [f.feature, num(f.psi), num(f.js), String(f.rows), f.status]),
        ['(prediction)', num(r.prediction.psi), num(r.prediction.js), String(r.prediction.rows), r.prediction.status],
      ],
      [0, 4],
    ),
  ].join('\n');
}

/** The time series: one line per window (and group), PSI per feature and of the prediction. */
export function formatDriftSeries(s: DriftSeries): string {
  const features = s.points[0]?.features.map((f) => f.feature) ?? [];
  const grouped = s.by !== 'model';
  const head = [
    'window start',
    ...(grouped ? [s.by] : []),
    'rows',
    ...features.map((f) => `${f}`),
    '(prediction)',
    'status',
  ];
  const mark = (status: string, value: string): string =>
    status === 'insufficient'
      ? `(${value})`
      : status === 'major'
        ? `${value}!`
        : status === 'moderate'
          ? `${value}*`
          : value;
  const rows = s.points.map((p) => [
    p.start.replace(':00.000Z', 'Z'),
    ...(grouped ? [p.group ?? ''] : []),
    String(p.rows),
    ...p.features.map((f) => mark(f.status, num(f.psi))),
    mark(p.prediction.status, num(p.prediction.psi)),
    p.status,
  ]);
  const title =
    `PSI per ${formatDuration(s.window.sizeMs)} window${s.window.stepMs !== s.window.sizeMs ? ` every ${formatDuration(s.window.stepMs)}` : ''}` +
    `${grouped ? ` by ${s.by}` : ''} (* ≥ ${s.thresholds.moderate}, ! ≥ ${s.thresholds.major}, (…) fewer than ${s.thresholds.minRows} rows: insufficient)`;
  return [title, formatTable([head, ...rows], [0, ...(grouped ? [1] : []), head.length - 1])].join('\n');
}

/**
 * `outpost drift <model>`: the whole-range report followed by the drift time series (docs/MONITORING.md
 * "Drift over time"); with --json one object: the report's fields plus `series`.
 */
export async function runDrift(model: string, opts: DriftCommandOptions, ctx: CommandContext): Promise<void> {
  const range = {
    ...(opts.device !== undefined ? { device: opts.device } : {}),
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.until !== undefined ? { until: opts.until } : {}),
  };
  const { report, series } = await withMonitor(opts.dataDir, (m, { store, db, settings }) => {
    const manifest = resolveDriftManifest(store, model, {
      ...range,
      ...(opts.version !== undefined ? { version: opts.version } : {}),
    });
    const whole = driftReport(store, manifest, { ...range, db, thresholds: driftThresholdsFor(settings, model) });
    if (whole.windows === 0) {
      const running = store.telemetryVersions({ model, ...range });
      throw fleetError(
        FleetErrorCodes.NO_DEVICE_RUNS_VERSION,
        `no device sent telemetry for ${model} v${whole.version}${opts.since || opts.until ? ' in that time range' : ''}; ` +
          (running.length > 0 ? `versions with telemetry: ${running.map((v) => `v${v}`).join(', ')}` : 'none has any'),
        { model, version: whole.version, running },
      );
    }
    // The series is the monitor's, as the operator API serves it (GET /api/v1/models/:name/drift/series).
    const s = m.drift(model, {
      ...range,
      version: manifest.version,
      window: opts.window ?? '1h',
      by: opts.by ?? 'model',
    });
    return { report: whole, series: s };
  });
  ctx.io.out(
    opts.json
      ? JSON.stringify({ ...report, series }, null, 2)
      : `${formatDriftTable(report)}\n\n${formatDriftSeries(series)}`,
  );
}
