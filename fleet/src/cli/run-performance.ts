import type { CommandContext } from '@outpost/protocol/node';
import type { PerformanceWithDrift } from '../monitor/monitor.ts';
import { formatDuration } from '../monitor/windows.ts';
import type { PerformanceCommandOptions } from './monitor-commands.ts';
import { formatTable } from './monitor-format.ts';
import { withMonitor } from './run-monitor-store.ts';

export function formatPerformance(r: PerformanceWithDrift): string {
  const band = r.band
    ? `${r.band.metric} band [${r.band.low.toFixed(4)}, ${r.band.high.toFixed(4)}] (${r.band.source})`
    : 'no test band in the manifest';
  const head =
    `${r.model} v${r.version} (${r.task}): performance per ${formatDuration(r.window.sizeMs)} window, ${band}; ` +
    `${r.unjoined} label${r.unjoined === 1 ? '' : 's'} waiting for their prediction`;
  if (r.points.length === 0) return `${head}\nno labelled predictions yet`;
  const names = [...new Set(r.points.flatMap((p) => Object.keys(p.metrics)))];
  const grouped = r.by === 'device';
  return [
    head,
    formatTable(
      [
        ['window start', ...(grouped ? ['device'] : []), 'labels', ...names, 'status', 'inputs', ''],
        ...r.points.map((p) => [
          p.start.replace(':00.000Z', 'Z'),
          ...(grouped ? [p.group ?? ''] : []),
          String(p.labels),
          ...names.map((n) => (p.metrics[n] === undefined ? '-' : (p.metrics[n] as number).toFixed(4))),
          p.status,
          p.inputDrift ?? '-',
          p.conceptDrift ? 'concept drift' : '',
        ]),
      ],
      [0, ...(grouped ? [1] : [])],
    ),
  ].join('\n');
}

/** `outpost performance <model>` (docs/MONITORING.md "Performance"). */
export async function runPerformance(
  model: string,
  opts: PerformanceCommandOptions,
  ctx: CommandContext,
): Promise<void> {
  const report = await withMonitor(opts.dataDir, (m) =>
    m.performance(model, {
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
      window: opts.window ?? '1d',
      by: opts.by ?? 'model',
    }),
  );
  ctx.io.out(opts.json ? JSON.stringify(report, null, 2) : formatPerformance(report));
}
