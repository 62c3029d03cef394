/**
 * The device's command (`outpost device`): its definition only; the action loads the device (and
 * its inference engine) when it runs, so `outpost --help` loads no onnxruntime, fastify or MQTT
 * client (docs/ARCHITECTURE.md "Running a tier").
 */
import { Command, Option } from 'commander';
import {
  LOG_LEVEL_FLAGS,
  LOG_LEVEL_HELP,
  brokerUrlOption,
  durationOption,
  idOption,
  intOption,
  logLevelOption,
  portOption,
  positiveNumberOption,
  processContext,
  commandAction,
  type CommandContext,
} from '@outpost/protocol/cli';

/** The `--engine` names; the same list as `ENGINE_CHOICES` (inference/engine-choice.ts, which a test holds it to). */
export const ENGINE_NAMES = ['auto', 'onnxruntime-node', 'onnxruntime-web', 'tflite'] as const;

export interface DeviceCliOptions {
  id: string;
  dataDir: string;
  broker: string;
  publicKey: string;
  httpPort: number;
  httpHost: string;
  engine: string;
  replay?: string;
  board?: string;
  rate?: number;
  loop?: boolean;
  fault?: string[];
  seed?: number;
  windowRows?: number;
  windowMs?: number;
  /** False with `--no-review-upload`. */
  reviewUpload: boolean;
  credentials?: string;
  ca?: string;
  logLevel: string;
}

/** `outpost device …`: runs a device until SIGINT/SIGTERM. */
export function deviceCommand(context: Partial<CommandContext> = {}): Command {
  const ctx: CommandContext = { ...processContext, ...context };
  return new Command('device')
    .description('run an Outpost device: verified model slots, local REST API, telemetry')
    .requiredOption('--id <id>', 'device id', idOption('--id'))
    .requiredOption('--data-dir <dir>', 'where slots, state and the telemetry outbox live')
    .requiredOption(
      '--broker <url>',
      'MQTT broker of the site gateway, e.g. mqtt://127.0.0.1:1883',
      brokerUrlOption('--broker'),
    )
    .requiredOption('--public-key <pem>', "file with the fleet's ed25519 public key (PEM)")
    .option('--http-port <n>', 'REST API port (0 = any free port)', portOption('--http-port'), 0)
    .option('--http-host <host>', 'REST API address', '127.0.0.1')
    .addOption(
      new Option(
        '--engine <name>',
        'inference engine: auto picks onnxruntime-node where its binary loads, else onnxruntime-web (both run model.onnx, any model); tflite runs model.tflite (linear, logistic, MLP) and refuses artifacts without one',
      )
        .choices(ENGINE_NAMES)
        .default('auto'),
    )
    .option('--replay <csv>', 'replay rows from a CSV file as sensor input')
    .option(
      '--board <yaml>',
      'read sensors on a board through johnny-five: a board config mapping pins to model features (docs/DEVICE.md "Attaching a sensor")',
    )
    .option('--rate <rows/s>', 'replay rate', positiveNumberOption('--rate'))
    .option('--loop', 'replay the CSV in a loop')
    .option(
      '--fault <spec>',
      'inject a sensor fault into the replayed rows (repeatable): kind:feature[=args]@from[-until] with kind shift, scale, noise, stuck, dropout, spike or category, e.g. stuck:CO2@100',
      (v: string, all: string[] = []) => [...all, v],
    )
    .option(
      '--seed <n>',
      'seed of the injected faults (same seed, same rows)',
      intOption('--seed', { min: 0, max: 2 ** 31 }),
    )
    .option('--window-rows <n>', 'rows per telemetry window', intOption('--window-rows', { min: 1, max: 1_000_000 }))
    .option(
      '--window-ms <duration>',
      'longest a telemetry window stays open (10ms … 24h; 500ms, 10s, 5m)',
      durationOption('--window-ms', { min: 10, max: 86_400_000 }),
    )
    .option(
      '--no-review-upload',
      'keep predictions flagged for review on the device (by default they go upstream with their inputs: the only raw rows that leave it)',
    )
    .option('--credentials <file>', 'credentials from `outpost enroll` (default <data-dir>/credentials.json)')
    .option('--ca <file>', 'PEM of the CA that signed the broker certificate (mqtts://)')
    .option(LOG_LEVEL_FLAGS, LOG_LEVEL_HELP, logLevelOption(), 'info')
    .action(commandAction(ctx, async (o: DeviceCliOptions) => (await import('./run-device.ts')).runDevice(o, ctx)));
}

export interface ProvisionCliOptions {
  artifact: string;
  dataDir: string;
  publicKey: string;
  engine: string;
  logLevel: string;
}

/** `outpost provision …`: installs a signed artifact into a stopped device's data directory. */
export function provisionCommand(context: Partial<CommandContext> = {}): Command {
  const ctx: CommandContext = { ...processContext, ...context };
  return new Command('provision')
    .description(
      "install a signed artifact into a stopped device's data dir (verified, smoke-tested, then made active)",
    )
    .requiredOption('--artifact <dir>', 'artifact folder (manifest.json and its files)')
    .requiredOption('--data-dir <dir>', "the device's data directory")
    .requiredOption('--public-key <pem>', "file with the fleet's ed25519 public key (PEM)")
    .addOption(
      new Option('--engine <name>', 'the engine the device will run (it smoke-tests that engine’s file)')
        .choices(ENGINE_NAMES)
        .default('auto'),
    )
    .option(LOG_LEVEL_FLAGS, LOG_LEVEL_HELP, logLevelOption(), 'warn')
    .action(
      commandAction(ctx, async (o: ProvisionCliOptions) => (await import('./run-provision.ts')).runProvision(o, ctx)),
    );
}

export interface PredictCliOptions {
  artifact: string;
  in: string;
  out: string;
  publicKey: string;
  engine: string;
  batch: number;
  logLevel: string;
}

/** `outpost predict …`: batch predictions for a CSV file with a verified artifact. */
export function predictCommand(context: Partial<CommandContext> = {}): Command {
  const ctx: CommandContext = { ...processContext, ...context };
  return new Command('predict')
    .description(
      'predict every row of a CSV file with a signed artifact (verified first); refused rows keep their reason',
    )
    .requiredOption('--artifact <dir>', 'artifact folder (manifest.json and its files)')
    .requiredOption('--in <csv>', 'input rows, with a header naming the model inputs')
    .requiredOption('--out <csv>', 'where to write line,prediction,error')
    .requiredOption('--public-key <pem>', 'file with the ed25519 public key the artifact must be signed with (PEM)')
    .addOption(new Option('--engine <name>', 'inference engine').choices(ENGINE_NAMES).default('auto'))
    .option('--batch <n>', 'rows per engine run', intOption('--batch', { min: 1, max: 100_000 }), 1000)
    .option(LOG_LEVEL_FLAGS, LOG_LEVEL_HELP, logLevelOption(), 'warn')
    .action(commandAction(ctx, async (o: PredictCliOptions) => (await import('./run-predict.ts')).runPredict(o, ctx)));
}

export function deviceCommands(context: Partial<CommandContext> = {}): Command[] {
  return [deviceCommand(context), provisionCommand(context), predictCommand(context)];
}
