import type { CommandContext } from '@outpost/protocol/node';
import type { AlertState } from '../monitor/monitor-store.ts';
import { formatTable } from './monitor-format.ts';
import { withMonitor } from './run-monitor-store.ts';

/** `outpost alerts list` (docs/MONITORING.md "Alerts"): unresolved alerts by default. */
export async function runAlertsList(
  opts: { dataDir: string; state?: AlertState; model?: string; json?: boolean },
  ctx: CommandContext,
): Promise<void> {
  const alerts = await withMonitor(opts.dataDir, (m) =>
    m.alerts({
      state: opts.state ?? ['pending', 'firing', 'acknowledged'],
      ...(opts.model !== undefined ? { model: opts.model } : {}),
    }),
  );
  if (opts.json) return ctx.io.out(JSON.stringify(alerts, null, 2));
  if (alerts.length === 0) return ctx.io.out('no alerts');
  ctx.io.out(
    formatTable(
      [
        ['id', 'state', 'severity', 'since', 'summary'],
        ...alerts.map((a) => [a.id, a.state, a.severity, a.since.replace(/:\d\d\.\d{3}Z$/, 'Z'), a.summary]),
      ],
      [0, 1, 2, 3, 4],
    ),
  );
}

/** `outpost alerts ack <id>`. */
export async function runAlertsAck(
  id: string,
  opts: { dataDir: string; by?: string },
  ctx: CommandContext,
): Promise<void> {
  const alert = await withMonitor(opts.dataDir, (m) => m.acknowledge(id, opts.by));
  ctx.io.out(`${alert.id} ${alert.state}: ${alert.summary}`);
}
