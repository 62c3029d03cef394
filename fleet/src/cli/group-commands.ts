/**
 * Groups and pinning (`outpost group add | remove | list`, `outpost pin | unpin`): definitions
 * only; each action opens the fleet's store when it runs (docs/OPERATIONS.md "Groups and pinning").
 */
import { Command } from 'commander';
import { commandAction, idListOption, idOption, intOption, type CommandContext } from '@outpost/protocol/cli';

const DEFAULT_DATA_DIR = '.outpost/fleet';

export interface GroupCommandOptions {
  dataDir: string;
  reason?: string;
  json?: boolean;
}

const withData = (cmd: Command): Command =>
  cmd
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--reason <text>', 'why (kept in the audit log)');

const run = async (): Promise<typeof import('./run-group.ts')> => import('./run-group.ts');

function groupCommand(ctx: CommandContext): Command {
  const add = withData(
    new Command('add')
      .description('put devices in a group (created on first use; a device may be in several groups)')
      .argument('<group>', 'group name', idOption('group'))
      .argument('<devices...>', 'device ids'),
  ).action(
    commandAction(ctx, async (group: string, devices: string[], opts: GroupCommandOptions) =>
      (await run()).runGroupAdd(group, idListOption('device')(devices.join(',')), opts, ctx),
    ),
  );
  const remove = withData(
    new Command('remove')
      .description('take devices out of a group, or delete the group (members and pins) when no device is named')
      .argument('<group>', 'group name', idOption('group'))
      .argument('[devices...]', 'device ids'),
  ).action(
    commandAction(ctx, async (group: string, devices: string[], opts: GroupCommandOptions) =>
      (await run()).runGroupRemove(
        group,
        devices.length > 0 ? idListOption('device')(devices.join(',')) : undefined,
        opts,
        ctx,
      ),
    ),
  );
  const list = new Command('list')
    .description('groups, their devices and pins')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(commandAction(ctx, async (opts: GroupCommandOptions) => (await run()).runGroupList(opts, ctx)));
  return new Command('group')
    .description('groups of devices (campaign targets, pinning)')
    .addCommand(add)
    .addCommand(remove)
    .addCommand(list);
}

function pinCommand(ctx: CommandContext): Command {
  return withData(
    new Command('pin')
      .description("pin a model's version for a group: campaigns skip its devices and report them as skipped")
      .argument('<group>', 'group name', idOption('group'))
      .argument('<model>', 'model name', idOption('model'))
      .argument('<version>', 'model version', intOption('version', { min: 1 })),
  ).action(
    commandAction(ctx, async (group: string, model: string, version: number, opts: GroupCommandOptions) =>
      (await run()).runPin(group, model, version, opts, ctx),
    ),
  );
}

function unpinCommand(ctx: CommandContext): Command {
  return withData(
    new Command('unpin')
      .description("remove a group's pin of a model")
      .argument('<group>', 'group name', idOption('group'))
      .argument('<model>', 'model name', idOption('model')),
  ).action(
    commandAction(ctx, async (group: string, model: string, opts: GroupCommandOptions) =>
      (await run()).runUnpin(group, model, opts, ctx),
    ),
  );
}

/** The group commands, fresh instances. */
export function groupCommands(ctx: CommandContext): Command[] {
  return [groupCommand(ctx), pinCommand(ctx), unpinCommand(ctx)];
}
