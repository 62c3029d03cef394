import { join, resolve } from 'node:path';
import type { CommandContext } from '@outpost/protocol/node';
import { modelDrift, type DriftReport } from '../drift/drift-report.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { DriftCommandOptions } from './index.ts';

const num = (x: number | null): string => (x === null ? '-' : x.toFixed(4));

/** The drift report as a plain text table: feature, PSI, JS, rows, status. */
export function formatDriftTable(r: DriftReport): string {
  const head = `${r.model} v${r.version}${r.device !== undefined ? ` device ${r.device}` : ''}: ${r.windows} windows, ${r.rows} rows`;
  const rows = [
    ['feature', 'PSI', 'JS', 'rows', 'status'],
    ...r.features.map((f) => [f.feature, num(f.psi), num(f.js), String(f.rows), f.status]),
    ['(prediction)', num(r.prediction.psi), num(r.prediction.js), String(r.prediction.rows), r.prediction.status],
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [head, ...rows.map(line)].join('\n');
}

/** `outpost drift <model>`: prints the drift report of a model version as a table or JSON. */
export async function runDrift(model: string, opts: DriftCommandOptions, ctx: CommandContext): Promise<void> {
  const store = openSqliteStore(join(resolve(opts.dataDir), FLEET_DB_FILE));
  try {
    const report = modelDrift(store, model, {
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      ...(opts.device !== undefined ? { device: opts.device } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
    });
    if (report.windows === 0) {
      const running = store.telemetryVersions({
        model,
        ...(opts.device !== undefined ? { device: opts.device } : {}),
        ...(opts.since !== undefined ? { since: opts.since } : {}),
        ...(opts.until !== undefined ? { until: opts.until } : {}),
      });
      throw fleetError(
        FleetErrorCodes.NO_DEVICE_RUNS_VERSION,
        `no device sent telemetry for ${model} v${report.version}${opts.since || opts.until ? ' in that time range' : ''}; ` +
          (running.length > 0 ? `versions with telemetry: ${running.map((v) => `v${v}`).join(', ')}` : 'none has any'),
        { model, version: report.version, running },
      );
    }
    ctx.io.out(opts.json ? JSON.stringify(report, null, 2) : formatDriftTable(report));
  } finally {
    store.close();
  }
}
