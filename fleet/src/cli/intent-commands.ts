/**
 * The operator's intent commands (`outpost assign | unassign | rollback | withdraw | audit`):
 * definitions only; each action loads its implementation when it runs (docs/OPERATIONS.md).
 */
import { Command } from 'commander';
import {
  brokerUrlOption,
  commandAction,
  durationOption,
  idListOption,
  idOption,
  intOption,
  type CommandContext,
} from '@outpost/protocol/cli';
import { DEFAULT_OFFLINE_AFTER_MS } from '../intent/outcome.ts';
import { timeOption } from './time-option.ts';

const DEFAULT_DATA_DIR = '.outpost/fleet';
const DEFAULT_BROKER_URL = 'mqtt://127.0.0.1:1883';
/** How long `assign` and `rollback` wait for their devices by default. */
export const DEFAULT_WAIT_MS = 120_000;

export interface IntentCommandOptions {
  dataDir: string;
  broker: string;
  /** Budget for connecting and for the devices' outcome. */
  timeout: number;
  offlineAfter: number;
  wait: boolean;
  reason?: string;
  json?: boolean;
}

export interface RollbackCommandOptions extends IntentCommandOptions {
  to?: number;
  site?: string;
  device?: string[];
}

const versionArg = intOption('version', { min: 1 });

/** Options every command that changes desired state takes. */
function withIntentOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--broker <url>', "the fleet's MQTT broker", brokerUrlOption('--broker'), DEFAULT_BROKER_URL)
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--no-wait', 'do not wait for the devices; print the revision and exit')
    .option(
      '--timeout <duration>',
      'how long to wait for the broker and then the devices (500ms, 30s, 5m)',
      durationOption('--timeout', { min: 1 }),
      DEFAULT_WAIT_MS,
    )
    .option(
      '--offline-after <duration>',
      'a device silent this long counts as offline',
      durationOption('--offline-after', { min: 1 }),
      DEFAULT_OFFLINE_AFTER_MS,
    )
    .option('--json', 'print the per-device outcome as JSON');
}

function assignCommand(ctx: CommandContext): Command {
  return withIntentOptions(
    new Command('assign')
      .description(
        'assign a registered model version to a site (every device without an override) or to --devices; waits for the devices and prints the outcome per device',
      )
      .argument('<gateway>', 'gateway id', idOption('gateway'))
      .argument('<model>', 'model name', idOption('model'))
      .argument('<version>', 'model version (a positive integer)', versionArg)
      .option(
        '--devices <ids>',
        'comma-separated device ids: a per-device override (default: the whole site)',
        idListOption('--devices'),
      ),
  ).action(
    commandAction(
      ctx,
      async (gateway: string, model: string, version: number, opts: IntentCommandOptions & { devices?: string[] }) =>
        (await import('./run-assign.ts')).runAssign(gateway, model, version, opts, ctx),
    ),
  );
}

function unassignCommand(ctx: CommandContext): Command {
  return withIntentOptions(
    new Command('unassign')
      .description(
        "remove a site's site-wide assignment, or the per-device overrides of --devices (they fall back to the site-wide one)",
      )
      .argument('<gateway>', 'gateway id', idOption('gateway'))
      .option('--devices <ids>', 'comma-separated device ids whose override is removed', idListOption('--devices')),
  ).action(
    commandAction(ctx, async (gateway: string, opts: IntentCommandOptions & { devices?: string[] }) =>
      (await import('./run-assign.ts')).runUnassign(gateway, opts, ctx),
    ),
  );
}

function rollbackCommand(ctx: CommandContext): Command {
  return withIntentOptions(
    new Command('rollback')
      .description(
        'roll a model back now, as a signed explicit rollback, to --to <version> (any earlier registered version; default the one before) on the whole fleet, --site or --device',
      )
      .argument('<model>', 'model name', idOption('model'))
      .option('--to <version>', 'the version to go back to', intOption('--to', { min: 1 }))
      .option('--site <gateway>', 'only this site', idOption('--site'))
      .option('--device <ids>', 'only these devices (comma-separated)', idListOption('--device')),
  ).action(
    commandAction(ctx, async (model: string, opts: RollbackCommandOptions) =>
      (await import('./run-assign.ts')).runRollback(model, opts, ctx),
    ),
  );
}

function withdrawCommand(ctx: CommandContext): Command {
  return new Command('withdraw')
    .description('withdraw a registered version: it can no longer be assigned; lists the devices still running it')
    .argument('<model>', 'model name', idOption('model'))
    .argument('<version>', 'model version', versionArg)
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--json', 'print the result as JSON')
    .action(
      commandAction(
        ctx,
        async (model: string, version: number, opts: { dataDir: string; reason?: string; json?: boolean }) =>
          (await import('./run-withdraw.ts')).runWithdraw(model, version, opts, ctx),
      ),
    );
}

function auditCommand(ctx: CommandContext): Command {
  return new Command('audit')
    .description('the audit log: who assigned, rolled back or withdrew what, when and why')
    .option('--model <name>', 'only this model', idOption('--model'))
    .option('--action <name>', 'only this action (assign, unassign, rollback, withdraw, move-device)')
    .option('--since <time>', 'from this time (ISO, or 30m / 6h / 7d ago)', timeOption('--since'))
    .option('--until <time>', 'up to this time (ISO, or a duration ago)', timeOption('--until'))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print the entries as JSON')
    .action(
      commandAction(
        ctx,
        async (opts: {
          dataDir: string;
          model?: string;
          action?: string;
          since?: string;
          until?: string;
          json?: boolean;
        }) => (await import('./run-withdraw.ts')).runAudit(opts, ctx),
      ),
    );
}

/** The intent commands, fresh instances (the root program and tests add them). */
export function intentCommands(ctx: CommandContext): Command[] {
  return [assignCommand(ctx), unassignCommand(ctx), rollbackCommand(ctx), withdrawCommand(ctx), auditCommand(ctx)];
}
