import type { CommandContext } from '@outpost/protocol/node';
import type { QualityReport } from '../monitor/quality.ts';
import { formatDuration } from '../monitor/windows.ts';
import type { QualityCommandOptions } from './monitor-commands.ts';
import { formatTable } from './monitor-format.ts';
import { withMonitor } from './run-monitor-store.ts';

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
  const report = await withMonitor(opts.dataDir, (m) =>
    m.quality(model, {
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
      window: opts.window ?? '1h',
    }),
  );
  ctx.io.out(opts.json ? JSON.stringify(report, null, 2) : formatQuality(report));
}
