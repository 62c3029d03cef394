import { join, resolve } from 'node:path';
import { systemClock } from '@outpost/protocol';
import type { CommandContext } from '@outpost/protocol/node';
import { withdraw } from '../intent/withdraw.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import type { AuditQuery } from '../store/fleet-store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { formatTable } from './table.ts';

/** `outpost withdraw <model> <version>`: store only (no broker needed); lists where it still runs. */
export function runWithdraw(
  model: string,
  version: number,
  opts: { dataDir: string; reason?: string; json?: boolean },
  ctx: CommandContext,
): void {
  const store = openSqliteStore(join(resolve(opts.dataDir), FLEET_DB_FILE));
  try {
    const r = withdraw({ store, clock: systemClock }, model, version, opts.reason ? { reason: opts.reason } : {});
    if (opts.json) {
      ctx.io.out(JSON.stringify({ model, version, ...r }, null, 2));
      return;
    }
    ctx.io.out(`withdrew ${model} v${version}: it can no longer be assigned`);
    if (r.assignedAt.length > 0) ctx.io.out(`still assigned at: ${r.assignedAt.join(', ')}`);
    if (r.runningOn.length === 0) ctx.io.out('no device reports it active');
    else {
      ctx.io.out(`${r.runningOn.length} device${r.runningOn.length === 1 ? '' : 's'} run it:`);
      ctx.io.out(
        formatTable(
          ['device', 'gateway'],
          r.runningOn.map((d) => [d.device, d.gateway ?? '-']),
        ),
      );
    }
  } finally {
    store.close();
  }
}

/** `outpost audit`: who did what, when and why. */
export function runAudit(opts: AuditQuery & { dataDir: string; json?: boolean }, ctx: CommandContext): void {
  const store = openSqliteStore(join(resolve(opts.dataDir), FLEET_DB_FILE));
  try {
    const { dataDir: _d, json, ...query } = opts;
    const entries = store.audit(query);
    if (json) {
      ctx.io.out(JSON.stringify(entries, null, 2));
      return;
    }
    if (entries.length === 0) {
      ctx.io.out('no audit entries');
      return;
    }
    ctx.io.out(
      formatTable(
        ['time', 'actor', 'action', 'model', 'target', 'reason'],
        entries.map((e) => [
          e.at,
          e.actor,
          e.action,
          e.model !== undefined ? `${e.model}${e.version !== undefined ? ` v${e.version}` : ''}` : '-',
          e.target,
          e.reason ?? '',
        ]),
      ),
    );
  } finally {
    store.close();
  }
}
