import { join, resolve } from 'node:path';
import type { CommandContext } from '@outpost/protocol/node';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { listDevices, listGateways, listModels } from '../inventory/inventory.ts';
import { healthReaderFor } from '../inventory/sqlite-health-reader.ts';
import { openFleetDb } from '../store/fleet-db.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { InventoryKind, InventoryOptions } from './inventory-commands.ts';
import { formatTable } from './table.ts';

const ms = (x: number | null): string => (x === null ? '-' : `${x}ms`);
const ago = (iso: string | null, now: number): string => {
  if (iso === null) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

function rows(kind: InventoryKind, opts: InventoryOptions, now: number): { json: unknown[]; table: string } {
  const db = openFleetDb(join(resolve(opts.dataDir), FLEET_DB_FILE));
  const store = openSqliteStore(db);
  try {
    if (kind === 'devices') {
      const list = listDevices(store, now, opts.offlineAfter, healthReaderFor(db)).filter(
        (d) =>
          (opts.site === undefined || d.gateway === opts.site) &&
          (opts.model === undefined || d.active?.name === opts.model || d.assigned?.name === opts.model) &&
          (opts.state === undefined || d.state === opts.state),
      );
      return {
        json: list,
        table: formatTable(
          ['device', 'gateway', 'state', 'running', 'assigned', 'last seen', 'p50', 'p95', 'errors', 'last error'],
          list.map((d) => [
            d.id,
            d.gateway ?? '-',
            d.state,
            d.active ? `${d.active.name} v${d.active.version}` : '-',
            d.assigned
              ? `${d.assigned.name} v${d.assigned.version}${d.assigned.override ? ' (device)' : ''}${d.assigned.rollback ? ' (rollback)' : ''}`
              : '-',
            ago(d.lastSeen, now),
            ms(d.health.latencyP50Ms),
            ms(d.health.latencyP95Ms),
            d.health.errorRate === null ? '-' : `${(d.health.errorRate * 100).toFixed(1)}%`,
            d.lastError?.code ?? '',
          ]),
        ),
      };
    }
    if (kind === 'gateways') {
      const list = listGateways(store, now, opts.offlineAfter).filter(
        (g) => opts.state === undefined || g.status === opts.state || (opts.state === 'offline' && !g.online),
      );
      return {
        json: list,
        table: formatTable(
          ['gateway', 'status', 'online', 'revision', 'devices', 'last seen', 'assignments'],
          list.map((g) => [
            g.id,
            g.status,
            g.online ? 'yes' : 'no',
            `${g.reportedRevision ?? '-'}/${g.desiredRevision ?? '-'}`,
            String(g.devices.length),
            ago(g.lastSeen, now),
            g.assignments
              .map(
                (a) =>
                  `${a.name} v${a.version}${a.devices ? ` [${a.devices.join(',')}]` : ''}${a.rollback ? ' (rollback)' : ''}`,
              )
              .join('; '),
          ]),
        ),
      };
    }
    const list = listModels(store).filter(
      (m) =>
        (opts.model === undefined || m.name === opts.model) &&
        (opts.state === undefined || (opts.state === 'withdrawn') === (m.withdrawnAt !== null)),
    );
    return {
      json: list,
      table: formatTable(
        ['model', 'version', 'parent', 'registered', 'state', 'metrics', 'assigned at', 'running on'],
        list.map((m) => [
          m.name,
          `v${m.version}`,
          m.parentVersion === null ? '-' : `v${m.parentVersion}`,
          m.registeredAt.slice(0, 19),
          m.withdrawnAt === null ? 'active' : 'withdrawn',
          Object.entries(m.metrics)
            .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
            .join(' '),
          m.assignedAt.join(',') || '-',
          String(m.runningOn.length),
        ]),
      ),
    };
  } finally {
    store.close();
    db.close();
  }
}

/** `outpost devices|gateways|models list`. */
export function runInventoryList(kind: InventoryKind, opts: InventoryOptions, ctx: CommandContext): void {
  const { json, table } = rows(kind, opts, Date.now());
  if (opts.json) ctx.io.out(JSON.stringify(json, null, 2));
  else ctx.io.out(json.length === 0 ? `no ${kind}` : table);
}

/** `outpost devices|gateways|models show <id>`: the full record, as JSON or `key: value` lines. */
export function runInventoryShow(kind: InventoryKind, id: string, opts: InventoryOptions, ctx: CommandContext): void {
  const { json } = rows(kind, opts, Date.now());
  const [name, version] = id.split(':');
  const found = json.filter((e) => {
    const r = e as { id?: string; name?: string; version?: number };
    return kind === 'models'
      ? r.name === name && (version === undefined || String(r.version) === version)
      : r.id === id;
  });
  if (found.length === 0) {
    const code =
      kind === 'devices'
        ? FleetErrorCodes.UNKNOWN_DEVICE
        : kind === 'gateways'
          ? FleetErrorCodes.UNKNOWN_GATEWAY
          : FleetErrorCodes.UNKNOWN_MODEL;
    throw fleetError(code, `the fleet knows no ${kind.slice(0, -1)} ${id}`, { id });
  }
  if (opts.json) {
    ctx.io.out(JSON.stringify(kind === 'models' ? found : found[0], null, 2));
    return;
  }
  for (const e of found) {
    for (const [k, v] of Object.entries(e as Record<string, unknown>))
      ctx.io.out(`${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
    if (found.length > 1) ctx.io.out('');
  }
}
