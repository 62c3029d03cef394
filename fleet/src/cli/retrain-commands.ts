/**
 * Retraining, champion vs challenger (`outpost retrain <model> --fresh <file> --keys <dir>`,
 * `outpost retrain list`): definitions only; the action loads the trainer and the fleet's store
 * when it runs (docs/MONITORING.md "Retraining").
 */
import { Command } from 'commander';
import { commandAction, idOption, usageError, type CommandContext } from '@outpost/protocol/cli';
import { timeOption } from './time-option.ts';

const DEFAULT_DATA_DIR = '.outpost/fleet';

export interface RetrainOptions {
  dataDir: string;
  /** Required (checked by the action: a commander-required option would also bind `retrain list`). */
  fresh?: string;
  keys?: string;
  spec?: string;
  publicKey?: string;
  timeColumn?: string;
  holdoutSince?: string;
  holdout?: number;
  canary?: string;
  quick?: boolean;
  json?: boolean;
}

export interface RetrainListOptions {
  dataDir: string;
  model?: string;
  json?: boolean;
}

/** A share of rows: `20%` or `0.2`, above 0 and below 1. */
function shareOption(option: string): (text: string) => number {
  return (text) => {
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
    const v = pct ? Number(pct[1]) / 100 : Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || v <= 0 || v >= 1)
      throw usageError(option, `must be a share such as 20% or 0.2, got ${JSON.stringify(text)}`);
    return v;
  };
}

const run = async (): Promise<typeof import('./run-retrain.ts')> => import('./run-retrain.ts');

function listCommand(ctx: CommandContext): Command {
  return new Command('list')
    .description('list the retraining runs, newest first: trigger, both scores, the margin, the decision')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--model <name>', 'only this model', idOption('--model'))
    .option('--json', 'print JSON')
    .action(commandAction(ctx, async (opts: RetrainListOptions) => (await run()).runRetrainList(opts, ctx)));
}

/** `outpost retrain`: one command with a `list` subcommand. */
export function retrainCommand(ctx: CommandContext): Command {
  return (
    new Command('retrain')
      .description(
        'train a challenger on the spec’s data plus fresh labelled rows, compare it with the champion on the newest held-out window, register it only if it wins by the spec’s retrain.margin',
      )
      .argument('<model>', 'the model to retrain (its newest registered version is the champion)', idOption('<model>'))
      .option('--fresh <file>', '(required) fresh labelled rows: CSV or JSONL in the spec’s schema plus a time column')
      .option(
        '--keys <dir>',
        '(required) the signing key pair folder (where the release key lives); the fleet must pin its public key',
      )
      .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
      .option('--spec <file>', 'the model’s problem.yaml (default firmware-models/<model>/problem.yaml)')
      .option('--public-key <file>', 'the public key the fleet pins (default <data-dir>/keys/signing.pub)')
      .option('--time-column <name>', 'the fresh file’s time column (default time, or the spec’s time-split column)')
      .option(
        '--holdout-since <time>',
        'hold out the rows since this time (ISO, or a duration ago: 7d)',
        timeOption('--holdout-since'),
      )
      .option(
        '--holdout <share>',
        'else hold out this share of the newest rows (default 20%)',
        shareOption('--holdout'),
      )
      .option('--canary <waves>', 'start a canary campaign of the registered challenger in these waves (1,10,100%)')
      .option('--quick', 'train with the spec’s quick profile (trials, not for shipping)')
      .option('--json', 'print the run as JSON')
      // Options after `list` are list's own (both have --data-dir).
      .enablePositionalOptions()
      .addCommand(listCommand(ctx))
      .action(
        commandAction(ctx, async (model: string, opts: RetrainOptions) =>
          (await run()).runRetrainCommand(model, opts, ctx),
        ),
      )
  );
}
