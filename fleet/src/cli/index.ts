/**
 * The fleet's commands (`outpost fleet | register`, the intent commands of intent-commands.ts:
 * `assign | unassign | rollback | withdraw | audit`, and the monitoring ones of monitor-commands.ts:
 * `drift | quality | performance | labels | alerts`): definitions only. Each
 * action loads its implementation when it runs, so `outpost --help` loads no SQLite, broker or
 * MQTT client (docs/ARCHITECTURE.md "Running a tier").
 */
import { Command } from 'commander';
import {
  LOG_LEVEL_FLAGS,
  LOG_LEVEL_HELP,
  brokerUrlOption,
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
import { monitorCommands } from './monitor-commands.ts';
import { retrainCommand } from './retrain-commands.ts';
import { rolloutCommands } from './rollout-commands.ts';
import { reviewCommands } from './review-commands.ts';
import { shadowCommand } from './shadow-commands.ts';
import { tokenCommands } from './token-commands.ts';

/** Default data folder of the fleet, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.outpost/fleet';
export const DEFAULT_BROKER_URL = 'mqtt://127.0.0.1:1883';

export interface FleetCommandOptions {
  dataDir: string;
  port: number;
  host: string;
  broker?: string;
  publicKey?: string;
  enrollPort?: number;
  apiPort?: number;
  tlsKey?: string;
  tlsCert?: string;
  brokerCa?: string;
  maxPacketBytes?: number;
  logLevel: string;
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
    .option(
      '--api-port <n>',
      'serve the operator API and dashboard on this port (0 = any free port; default: not served)',
      portOption('--api-port'),
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

/** The fleet's CLI commands, fresh instances for the root `outpost` program (tests pass their own context). */
export function fleetCommands(context: Partial<CommandContext> = {}): Command[] {
  const ctx: CommandContext = { ...processContext, ...context };
  return [
    fleetCommand(ctx),
    registerCommand(ctx),
    ...intentCommands(ctx),
    ...monitorCommands(ctx),
    ...inventoryCommands(ctx),
    ...tokenCommands(ctx),
    shadowCommand(ctx),
    ...groupCommands(ctx),
    ...rolloutCommands(ctx),
    ...reviewCommands(ctx),
    retrainCommand(ctx),
  ];
}
