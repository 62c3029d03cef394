import { join, resolve } from 'node:path';
import { systemClock } from '@outpost/protocol';
import type { CommandContext } from '@outpost/protocol/node';
import { FLEET_DB_FILE } from '../fleet.ts';
import { openSqliteGroupStore } from '../groups/sqlite-group-store.ts';
import { addToGroup, pinGroup, removeFromGroup, unpinGroup, type GroupDeps } from '../groups/groups.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { GroupCommandOptions } from './group-commands.ts';
import { formatTable } from './table.ts';

function withGroups<T>(opts: GroupCommandOptions, fn: (deps: GroupDeps) => T): T {
  const file = join(resolve(opts.dataDir), FLEET_DB_FILE);
  const store = openSqliteStore(file);
  try {
    const groups = openSqliteGroupStore(file);
    try {
      return fn({ store, groups, clock: systemClock });
    } finally {
      groups.close();
    }
  } finally {
    store.close();
  }
}

const why = (o: GroupCommandOptions): { reason?: string } => (o.reason !== undefined ? { reason: o.reason } : {});

export async function runGroupAdd(group: string, devices: string[], opts: GroupCommandOptions, ctx: CommandContext) {
  withGroups(opts, (deps) => addToGroup(deps, group, devices, why(opts)));
  ctx.io.out(`added ${devices.join(', ')} to group ${group}`);
}

export async function runGroupRemove(
  group: string,
  devices: string[] | undefined,
  opts: GroupCommandOptions,
  ctx: CommandContext,
) {
  withGroups(opts, (deps) => removeFromGroup(deps, group, devices, why(opts)));
  ctx.io.out(devices ? `removed ${devices.join(', ')} from group ${group}` : `deleted group ${group}`);
}

export async function runGroupList(opts: GroupCommandOptions, ctx: CommandContext) {
  const list = withGroups(opts, (deps) => deps.groups.list());
  if (opts.json) {
    ctx.io.out(JSON.stringify(list, null, 2));
    return;
  }
  ctx.io.out(
    formatTable(
      ['group', 'devices', 'pins'],
      list.map((g) => [
        g.name,
        g.devices.join(',') || '-',
        g.pins.map((p) => `${p.model} v${p.version}`).join(', ') || '-',
      ]),
    ),
  );
}

export async function runPin(
  group: string,
  model: string,
  version: number,
  opts: GroupCommandOptions,
  ctx: CommandContext,
) {
  withGroups(opts, (deps) => pinGroup(deps, group, model, version, why(opts)));
  ctx.io.out(`pinned ${model} v${version} for group ${group}: campaigns of ${model} skip its devices`);
}

export async function runUnpin(group: string, model: string, opts: GroupCommandOptions, ctx: CommandContext) {
  withGroups(opts, (deps) => unpinGroup(deps, group, model, why(opts)));
  ctx.io.out(`unpinned ${model} for group ${group}`);
}
