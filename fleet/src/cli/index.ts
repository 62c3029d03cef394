/**
 * The fleet's commands (`outpost fleet | register | drift`, and the intent commands of
 * intent-commands.ts: `assign | unassign | rollback | withdraw | audit`): definitions only. Each
 * action loads its implementation when it runs, so `outpost --help` loads no SQLite, broker or
 * MQTT client (docs/ARCHITECTURE.md "Running a tier").
 */
import { Command } from 'commander';
import {
  LOG_LEVEL_FLAGS,
  LOG_LEVEL_HELP,
  brokerUrlOption,
  idOption,
  intOption,
  logLevelOption,
  portOption,
  processContext,
  commandAction,
  type CommandContext,
} from '@outpost/protocol/cli';
import { intentCommands } from './intent-commands.ts';
import { inventoryCommands } from './inventory-commands.ts';
import { groupCommands } from './group-commands.ts';
import { rolloutCommands } from './rollout-commands.ts';
import { timeOption } from './time-option.ts';

/** Default data folder of the fleet, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.outpost/fleet';
export const DEFAULT_BROKER_URL = 'mqtt://127.0.0.1:1883';

const versionOption = intOption('version', { min: 1 });

export interface FleetCommandOptions {
  dataDir: string;
  port: number;
  host: string;
  broker?: string;
  publicKey?: string;
  enrollPort?: number;
  tlsKey?: string;
  tlsCert?: string;
  brokerCa?: string;
  maxPacketBytes?: number;
  logLevel: string;
}

export interface DriftCommandOptions {
  version?: number;
  device?: string;
  since?: string;
  until?: string;
  dataDir: string;
  json?: boolean;
}

function fleetCommand(ctx: CommandContext): Command {
  return new Command('fleet')
    .description('run the fleet service: broker (embedded unless --broker), registry, ingestion, artifact server')
    .option('--data-dir <dir>', 'fleet data folder (fleet.db, artifacts/)', DEFAULT_DATA_DIR)
    .option('--port <n>', 'embedded broker port (0 = any free port)', portOption('--port'), 1883)
    .option('--host <h>', 'embedded broker host', '127.0.0.1')
    .option('--broker <url>', 'use this MQTT 3.1.1 broker instead of the embedded one', brokerUrlOption('--broker'))
    .option(
      '--public-key <file>',
      'artifact signing public key (PEM); default <data-dir>/keys/signing.pub, created with its private key on first use',
    )
    .option(
      '--enroll-port <n>',
      'serve the gateway enrol endpoint on this port (0 = any free port; default: not served)',
      portOption('--enroll-port'),
    )
    .option('--tls-key <file>', 'PEM key: serve the embedded broker as mqtts:// and the enrol endpoint as https')
    .option('--tls-cert <file>', 'PEM certificate chain for --tls-key')
    .option('--broker-ca <file>', 'PEM of the CA that signed the broker certificate (mqtts://)')
    .option(
      '--max-packet-bytes <n>',
      'largest MQTT packet the embedded broker accepts (default 1048576)',
      intOption('--max-packet-bytes', { min: 1024, max: 268_435_455 }),
    )
    .option(LOG_LEVEL_FLAGS, LOG_LEVEL_HELP, logLevelOption(), 'info')
    .action(
      commandAction(ctx, async (opts: FleetCommandOptions) => (await import('./run-fleet.ts')).runFleet(opts, ctx)),
    );
}

function registerCommand(ctx: CommandContext): Command {
  return new Command('register')
    .description('verify a signed artifact folder and register it in the fleet store (works offline)')
    .argument('<artifactDir>', 'folder holding manifest.json and the files it lists')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--public-key <file>', 'artifact signing public key (PEM); default <data-dir>/keys/signing.pub')
    .action(
      commandAction(ctx, async (artifactDir: string, opts: { dataDir: string; publicKey?: string }) =>
        (await import('./run-register.ts')).runRegister(artifactDir, opts, ctx),
      ),
    );
}

function driftCommand(ctx: CommandContext): Command {
  // `outpost` reads its own --version only before the subcommand (bin/outpost.ts), so this one is drift's.
  return new Command('drift')
    .description('drift of a model version against its reference profile (PSI, Jensen–Shannon)')
    .argument('<model>', 'model name', idOption('model'))
    .argument('[version]', 'model version (default: the newest one devices sent telemetry for)', versionOption)
    .option('--version <n>', 'model version (the same as the argument)', versionOption)
    .option('--device <id>', 'only this device', idOption('--device'))
    .option('--since <time>', 'only windows from this time (ISO, or 30m / 6h / 7d ago)', timeOption('--since'))
    .option('--until <time>', 'only windows up to this time (ISO, or a duration ago)', timeOption('--until'))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print the report as JSON')
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

/** The fleet's CLI commands, fresh instances for the root `outpost` program (tests pass their own context). */
export function fleetCommands(context: Partial<CommandContext> = {}): Command[] {
  const ctx: CommandContext = { ...processContext, ...context };
  return [
    fleetCommand(ctx),
    registerCommand(ctx),
    ...intentCommands(ctx),
    driftCommand(ctx),
    ...inventoryCommands(ctx),
    ...groupCommands(ctx),
    ...rolloutCommands(ctx),
  ];
}
