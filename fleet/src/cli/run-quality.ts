import { join, resolve } from 'node:path';
import type { CommandContext } from '@outpost/protocol/node';
import { resolveDriftManifest } from '../drift/drift-report.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { qualityReport, type QualityReport } from '../monitor/quality.ts';
import { loadMonitorSettings, qualityThresholdsFor } from '../monitor/settings.ts';
import { formatDuration, parseWindowSpec } from '../monitor/windows.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { QualityCommandOptions } from './monitor-commands.ts';
import { formatTable } from './monitor-format.ts';

const short = (iso: string): string => iso.replace(':00.000Z', 'Z');

export function formatQuality(r: QualityReport): string {
  const judged = r.points.filter((p) => p.status !== 'insufficient');
  const head =
    `${r.model} v${r.version}: data quality per ${formatDuration(r.window.sizeMs)} window — ` +
    `${judged.length} device windows judged, ${r.points.length - judged.length} insufficient (< ${r.thresholds.minRows} rows), ` +
    `${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}`;
  if (r.findings.length === 0) return head;
  const value = (x: number | null): string => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(4));
  return [
    head,
    formatTable(
      [
        ['window start', 'device', 'site', 'feature', 'finding', 'value', 'usual'],
        ...r.findings.map((f) => [
          short(f.start),
          f.device,
          f.site,
          f.feature,
          f.kind,
          value(f.value),
          f.kind.endsWith('spike') && f.baseline !== undefined ? value(f.baseline) : '',
        ]),
      ],
      [0, 1, 2, 3, 4],
    ),
  ].join('\n');
}

/** `outpost quality <model>`: data-quality findings per device and window (docs/MONITORING.md "Data quality"). */
export async function runQuality(model: string, opts: QualityCommandOptions, ctx: CommandContext): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  const settings = loadMonitorSettings(dataDir);
  const window = parseWindowSpec(opts.window ?? '1h');
  const store = openSqliteStore(join(dataDir, FLEET_DB_FILE));
  try {
    const range = {
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
    };
    const manifest = resolveDriftManifest(store, model, {
      ...range,
      ...(opts.version !== undefined ? { version: opts.version } : {}),
    });
    const windows = store.telemetryWindows({ model, version: manifest.version, ...range });
    const report = qualityReport(manifest, windows, { window, thresholds: qualityThresholdsFor(settings, model) });
    ctx.io.out(opts.json ? JSON.stringify(report, null, 2) : formatQuality(report));
  } finally {
    store.close();
  }
}
