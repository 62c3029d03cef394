/**
 * Rollout campaigns (`outpost rollout start | status | pause | resume | abort`): definitions only;
 * each action opens the fleet's store when it runs (docs/OPERATIONS.md "Campaigns"). The running
 * fleet's engine advances campaigns; these commands write and read them in the store.
 */
import { Command, Option } from 'commander';
import {
  commandAction,
  durationOption,
  idListOption,
  idOption,
  intOption,
  positiveNumberOption,
  usageError,
  type CommandContext,
} from '@outpost/protocol/cli';

const DEFAULT_DATA_DIR = '.outpost/fleet';
/** The default waves (campaign/waves.ts reads them): 1%, then 10%, 50%, everyone. */
const DEFAULT_WAVES = '1%,10%,50%,100%';
/** How long `rollout start | resume` wait for the campaign to finish by default. */
export const DEFAULT_ROLLOUT_WAIT_MS = 3_600_000;

export interface RolloutStartOptions {
  dataDir: string;
  site?: string;
  group?: string;
  devices?: string[];
  waves: string;
  canary?: string[];
  installSuccess: number;
  smokeFailures: number;
  errorRate?: number;
  latencyRatio?: number;
  predictionPsi?: number;
  predictionMinRows?: number;
  soak: number;
  installTimeout: number;
  onFail: 'pause' | 'rollback';
  seed?: string;
  reason?: string;
  wait: boolean;
  timeout: number;
  json?: boolean;
}

export interface RolloutOptions {
  dataDir: string;
  reason?: string;
  wait?: boolean;
  timeout?: number;
  json?: boolean;
}

/** A share: `95%` or `0.95`. */
function shareOption(option: string): (text: string) => number {
  return (text) => {
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
    const v = pct ? Number(pct[1]) / 100 : Number(text);
    if (!Number.isFinite(v) || v < 0 || v > 1 || text.trim() === '') {
      throw usageError(option, `must be a share such as 95% or 0.95, got ${JSON.stringify(text)}`);
    }
    return v;
  };
}

/** A number ≥ 0. */
function nonNegativeNumberOption(option: string): (text: string) => number {
  return (text) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || v < 0)
      throw usageError(option, `must be a number ≥ 0, got ${JSON.stringify(text)}`);
    return v;
  };
}

const run = async (): Promise<typeof import('./run-rollout.ts')> => import('./run-rollout.ts');

const waitOptions = (cmd: Command): Command =>
  cmd
    .option('--no-wait', 'do not wait for the campaign to finish')
    .option(
      '--timeout <duration>',
      'how long to wait for the campaign to finish (it goes on in the fleet after that)',
      durationOption('--timeout', { min: 1 }),
      DEFAULT_ROLLOUT_WAIT_MS,
    );

function startCommand(ctx: CommandContext): Command {
  return waitOptions(
    new Command('start')
      .description(
        'start a campaign: a model version to a target in waves, each held to gates over a soak; waits and prints the outcome per wave and device',
      )
      .argument('<model>', 'model name', idOption('model'))
      .argument('<version>', 'model version', intOption('version', { min: 1 }))
      .option('--site <gateway>', 'target: the devices of this site', idOption('--site'))
      .option('--group <name>', 'target: the devices of this group', idOption('--group'))
      .option('--devices <ids>', 'target: these devices (comma-separated)', idListOption('--devices'))
      .option(
        '--waves <steps>',
        'cumulative waves: shares (10%), counts (50) or all; the last is 100% or all',
        DEFAULT_WAVES,
      )
      .option('--canary <ids>', 'a named first wave (comma-separated devices of the target)', idListOption('--canary'))
      .option(
        '--install-success <share>',
        'gate: share of a wave that must converge',
        shareOption('--install-success'),
        0.95,
      )
      .option(
        '--smoke-failures <n>',
        'gate: most smoke-test failures allowed in a wave',
        intOption('--smoke-failures', { min: 0 }),
        0,
      )
      .option(
        '--error-rate <share>',
        'gate: highest prediction error rate during the soak',
        shareOption('--error-rate'),
      )
      .option(
        '--latency-ratio <k>',
        "gate: highest p95 latency as a multiple of the previous version's",
        positiveNumberOption('--latency-ratio'),
      )
      .option(
        '--prediction-psi <psi>',
        "gate: highest PSI of the new version's predictions against the manifest's reference (e.g. 0.25)",
        nonNegativeNumberOption('--prediction-psi'),
      )
      .option(
        '--prediction-min-rows <n>',
        'rows the prediction-psi gate needs before it judges; the soak waits for them (default 500)',
        intOption('--prediction-min-rows', { min: 1 }),
      )
      .option(
        '--soak <duration>',
        'how long each wave soaks before its gates are judged',
        durationOption('--soak'),
        60_000,
      )
      .option(
        '--install-timeout <duration>',
        "how long a wave's devices get to install",
        durationOption('--install-timeout', { min: 1 }),
        600_000,
      )
      .addOption(
        new Option('--on-fail <action>', 'when a gate fails: pause, or roll the wave back')
          .choices(['pause', 'rollback'])
          .default('pause'),
      )
      .option('--seed <text>', 'orders devices into waves (default: the campaign id)')
      .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
      .option('--reason <text>', 'why (kept in the audit log)')
      .option('--json', 'print the status as JSON'),
  ).action(
    commandAction(ctx, async (model: string, version: number, opts: RolloutStartOptions) =>
      (await run()).runRolloutStart(model, version, opts, ctx),
    ),
  );
}

function statusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('campaigns, or one campaign per wave and per device')
    .argument('[id]', 'campaign id (default: list every campaign)')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(
      commandAction(ctx, async (id: string | undefined, opts: RolloutOptions) =>
        (await run()).runRolloutStatus(id, opts, ctx),
      ),
    );
}

function changeCommand(ctx: CommandContext, name: 'pause' | 'resume' | 'abort', description: string): Command {
  const cmd = new Command(name)
    .description(description)
    .argument('<id>', 'campaign id')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--json', 'print the status as JSON');
  return (name === 'resume' ? waitOptions(cmd) : cmd).action(
    commandAction(ctx, async (id: string, opts: RolloutOptions) => (await run()).runRolloutChange(name, id, opts, ctx)),
  );
}

/** `outpost rollout …`, a fresh instance. */
export function rolloutCommands(ctx: CommandContext): Command[] {
  return [
    new Command('rollout')
      .description('rollout campaigns: waves, gates, pause, resume, abort')
      .addCommand(startCommand(ctx))
      .addCommand(statusCommand(ctx))
      .addCommand(changeCommand(ctx, 'pause', 'pause a campaign: no wave starts and no gate is judged until resumed'))
      .addCommand(
        changeCommand(
          ctx,
          'resume',
          'resume a paused campaign where it was (a soaking or failed wave soaks again); waits',
        ),
      )
      .addCommand(
        changeCommand(ctx, 'abort', 'abort a campaign: no further wave; devices keep what they were assigned'),
      ),
  ];
}
