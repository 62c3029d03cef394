/**
 * The monitoring commands (docs/MONITORING.md "Commands"): `outpost drift | quality | performance |
 * labels import | alerts list|ack`. Definitions only; each action loads its implementation when it
 * runs, so `outpost --help` loads no SQLite.
 */
import { Command, Option } from 'commander';
import { commandAction, idOption, intOption, type CommandContext } from '@outpost/protocol/cli';
import { timeOption } from './time-option.ts';

const DEFAULT_DATA_DIR = '.outpost/fleet';
const versionOption = intOption('version', { min: 1 });

export interface DriftCommandOptions {
  version?: number;
  device?: string;
  since?: string;
  until?: string;
  /** `1h`, `1d`, or sliding `1d/1h` (default 1h). */
  window?: string;
  by?: 'model' | 'device' | 'site';
  dataDir: string;
  json?: boolean;
}

function driftCommand(ctx: CommandContext): Command {
  // `outpost` reads its own --version only before the subcommand (bin/outpost.ts), so this one is drift's.
  return new Command('drift')
    .description(
      'drift of a model version against its reference profile: the whole range, then per time window (PSI, JS, χ², KS)',
    )
    .argument('<model>', 'model name', idOption('model'))
    .argument('[version]', 'model version (default: the newest one devices sent telemetry for)', versionOption)
    .option('--version <n>', 'model version (the same as the argument)', versionOption)
    .option('--window <len>', 'time window: 1h, 1d, 15m, or sliding 1d/1h (a 1 d window every hour)', '1h')
    .addOption(new Option('--by <group>', 'one series per device or per site').choices(['device', 'site']))
    .option('--device <id>', 'only this device', idOption('--device'))
    .option('--since <time>', 'only windows from this time (ISO, or 30m / 6h / 7d ago)', timeOption('--since'))
    .option('--until <time>', 'only windows up to this time (ISO, or a duration ago)', timeOption('--until'))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print the report and its series as JSON')
    .action(
      commandAction(ctx, async (model: string, version: number | undefined, opts: DriftCommandOptions) =>
        (await import('./run-drift.ts')).runDrift(
          model,
          { ...opts, ...(version !== undefined ? { version } : {}) },
          ctx,
        ),
      ),
    );
}

export interface QualityCommandOptions {
  version?: number;
  since?: string;
  until?: string;
  window?: string;
  dataDir: string;
  json?: boolean;
}

function qualityCommand(ctx: CommandContext): Command {
  return new Command('quality')
    .description(
      'data quality per device and time window: stuck sensors, missing and out-of-range spikes, unseen categories, site outliers',
    )
    .argument('<model>', 'model name', idOption('model'))
    .option('--version <n>', 'model version (default: the newest one devices sent telemetry for)', versionOption)
    .option('--window <len>', 'time window: 1h, 1d, 15m', '1h')
    .option('--since <time>', 'only windows from this time (ISO, or 30m / 6h / 7d ago)', timeOption('--since'))
    .option('--until <time>', 'only windows up to this time (ISO, or a duration ago)', timeOption('--until'))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print the report as JSON')
    .action(
      commandAction(ctx, async (model: string, opts: QualityCommandOptions) =>
        (await import('./run-quality.ts')).runQuality(model, opts, ctx),
      ),
    );
}

/** The monitoring commands, fresh instances for the root `outpost` program. */
export function monitorCommands(ctx: CommandContext): Command[] {
  return [driftCommand(ctx), qualityCommand(ctx)];
}
