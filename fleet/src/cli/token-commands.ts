/**
 * `outpost token create | list | revoke`: the operator tokens of the fleet's API and dashboard
 * (docs/OPERATIONS.md "Dashboard and API"). Definitions only; each action opens fleet.db when it
 * runs (no broker needed; the running fleet sees the change at the next request).
 */
import { Command } from 'commander';
import { commandAction, type CommandContext } from '@outpost/protocol/cli';

const DEFAULT_DATA_DIR = '.outpost/fleet';

export interface TokenCommandOptions {
  dataDir: string;
  json?: boolean;
}

export function tokenCommands(ctx: CommandContext): Command[] {
  const create = new Command('create')
    .description('create an operator token and print it once (only its sha256 is kept)')
    .requiredOption(
      '--role <role>',
      'viewer (reads), operator (also assigns, rolls back, withdraws) or admin (also tokens)',
    )
    .option('--name <name>', 'who holds it; the audit log names API actions by it', 'operator')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(
      commandAction(ctx, async (opts: TokenCommandOptions & { role: string; name: string }) =>
        (await import('./run-token.ts')).runTokenCreate(opts, ctx),
      ),
    );
  const list = new Command('list')
    .description('list operator tokens: id, name, role, created, revoked (never the secrets)')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(
      commandAction(ctx, async (opts: TokenCommandOptions) => (await import('./run-token.ts')).runTokenList(opts, ctx)),
    );
  const revoke = new Command('revoke')
    .description('revoke an operator token by its id (from `outpost token list`)')
    .argument('<id>', 'token id')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(
      commandAction(ctx, async (id: string, opts: TokenCommandOptions) =>
        (await import('./run-token.ts')).runTokenRevoke(id, opts, ctx),
      ),
    );
  return [
    new Command('token')
      .description('operator tokens of the fleet API and dashboard: create, list, revoke')
      .addCommand(create)
      .addCommand(list)
      .addCommand(revoke),
  ];
}
