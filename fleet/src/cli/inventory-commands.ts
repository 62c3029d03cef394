/**
 * The inventory commands (`outpost devices | gateways | models`, each `list` or `show <id>`):
 * definitions only; the store is opened when one runs (docs/OPERATIONS.md "Inventory").
 */
import { Command } from 'commander';
import { commandAction, durationOption, idOption, type CommandContext } from '@outpost/protocol/cli';
import { DEFAULT_OFFLINE_AFTER_MS } from '../intent/outcome.ts';

const DEFAULT_DATA_DIR = '.outpost/fleet';

export interface InventoryOptions {
  dataDir: string;
  json?: boolean;
  site?: string;
  model?: string;
  state?: string;
  offlineAfter: number;
}

export type InventoryKind = 'devices' | 'gateways' | 'models';

function withOptions(cmd: Command, filters: ('site' | 'model' | 'state')[]): Command {
  cmd
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .option(
      '--offline-after <duration>',
      'a node silent this long is offline',
      durationOption('--offline-after', { min: 1 }),
      DEFAULT_OFFLINE_AFTER_MS,
    );
  if (filters.includes('site')) cmd.option('--site <gateway>', 'only this site', idOption('--site'));
  if (filters.includes('model')) cmd.option('--model <name>', 'only this model', idOption('--model'));
  if (filters.includes('state')) cmd.option('--state <state>', 'only this state');
  return cmd;
}

function inventoryCommand(
  ctx: CommandContext,
  kind: InventoryKind,
  description: string,
  filters: ('site' | 'model' | 'state')[],
): Command {
  const list = withOptions(new Command('list').description(`list ${kind} as a table`), filters).action(
    commandAction(ctx, async (opts: InventoryOptions) =>
      (await import('./run-inventory.ts')).runInventoryList(kind, opts, ctx),
    ),
  );
  const show = withOptions(
    new Command('show')
      .description(`everything the fleet knows about one of its ${kind}`)
      .argument('<id>', kind === 'models' ? 'model name (every version) or name:version' : 'id'),
    [],
  ).action(
    commandAction(ctx, async (id: string, opts: InventoryOptions) =>
      (await import('./run-inventory.ts')).runInventoryShow(kind, id, opts, ctx),
    ),
  );
  const cmd = new Command(kind).description(description).addCommand(list).addCommand(show);
  return kind === 'devices' ? cmd.addCommand(moveCommand(ctx)) : cmd;
}

function moveCommand(ctx: CommandContext): Command {
  return new Command('move')
    .description('move a device to another gateway: from now on only that gateway may relay it')
    .argument('<device>', 'device id', idOption('device'))
    .requiredOption('--to <gateway>', 'the gateway that relays the device from now on', idOption('--to'))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--json', 'print the result as JSON')
    .action(
      commandAction(ctx, async (device: string, opts: MoveOptions) =>
        (await import('./run-move.ts')).runMove(device, opts, ctx),
      ),
    );
}

export interface MoveOptions {
  to: string;
  dataDir: string;
  reason?: string;
  json?: boolean;
}

export function inventoryCommands(ctx: CommandContext): Command[] {
  return [
    inventoryCommand(ctx, 'devices', 'devices: what each runs and was assigned, state, last seen, health', [
      'site',
      'model',
      'state',
    ]),
    inventoryCommand(ctx, 'gateways', 'gateways: status, revisions, devices, assignments', ['state']),
    inventoryCommand(ctx, 'models', 'registered model versions: lineage, metrics, where each is assigned and runs', [
      'model',
      'state',
    ]),
  ];
}
