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

export interface PerformanceCommandOptions extends QualityCommandOptions {
  by?: 'model' | 'device';
}

function performanceCommand(ctx: CommandContext): Command {
  return new Command('performance')
    .description(
      "performance from labels joined to predictions, per time window, against the model's test band (concept drift marked)",
    )
    .argument('<model>', 'model name', idOption('model'))
    .option('--version <n>', 'model version (default: the newest one devices sent telemetry for)', versionOption)
    .option('--window <len>', 'time window of the prediction times: 1d, 1h, 7d', '1d')
    .addOption(new Option('--by <group>', 'one series per device').choices(['device']))
    .option('--since <time>', 'only predictions from this time (ISO, or 30m / 6h / 7d ago)', timeOption('--since'))
    .option('--until <time>', 'only predictions before this time (ISO, or a duration ago)', timeOption('--until'))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print the report as JSON')
    .action(
      commandAction(ctx, async (model: string, opts: PerformanceCommandOptions) =>
        (await import('./run-performance.ts')).runPerformance(model, opts, ctx),
      ),
    );
}

function labelsCommand(ctx: CommandContext): Command {
  const importCmd = new Command('import')
    .description(
      'import labels from a CSV: prediction_id,label[,device,labelled_at,model,version,prediction,predicted_at]',
    )
    .argument('<csv>', 'CSV file')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .action(
      commandAction(ctx, async (file: string, opts: { dataDir: string }) =>
        (await import('./run-labels.ts')).runLabelsImport(file, opts, ctx),
      ),
    );
  return new Command('labels').description('ground truth for predictions').addCommand(importCmd);
}

function alertsCommand(ctx: CommandContext): Command {
  const list = new Command('list')
    .description('alerts, newest first (default: the unresolved ones)')
    .addOption(
      new Option('--state <state>', 'only this state').choices(['pending', 'firing', 'acknowledged', 'resolved']),
    )
    .option('--model <name>', 'only this model', idOption('--model'))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(
      commandAction(ctx, async (opts: Parameters<typeof import('./run-alerts.ts').runAlertsList>[0]) =>
        (await import('./run-alerts.ts')).runAlertsList(opts, ctx),
      ),
    );
  const ack = new Command('ack')
    .description('acknowledge a firing alert')
    .argument('<id>', 'alert id (from `outpost alerts list`)')
    .option('--by <name>', 'who acknowledges it')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .action(
      commandAction(ctx, async (id: string, opts: { dataDir: string; by?: string }) =>
        (await import('./run-alerts.ts')).runAlertsAck(id, opts, ctx),
      ),
    );
  return new Command('alerts').description('monitoring alerts').addCommand(list).addCommand(ack);
}

/** The monitoring commands, fresh instances for the root `outpost` program. */
export function monitorCommands(ctx: CommandContext): Command[] {
  return [driftCommand(ctx), qualityCommand(ctx), performanceCommand(ctx), labelsCommand(ctx), alertsCommand(ctx)];
}
