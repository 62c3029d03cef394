import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { errorMessage } from '@outpost/protocol';
import { startDevice } from '../device.ts';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import { DEFAULT_ENGINE, ENGINE_CHOICES, createEngine } from '../inference/engine-choice.ts';
import { CsvReplaySource } from '../sources/csv-replay.ts';

interface DeviceCliOptions {
  id: string;
  dataDir: string;
  broker: string;
  publicKey: string;
  httpPort: number;
  httpHost: string;
  engine: string;
  replay?: string;
  rate?: number;
  loop?: boolean;
  windowRows?: number;
  windowMs?: number;
  logLevel: string;
}

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
}

function positiveArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** `outpost device …`: runs a device until SIGINT/SIGTERM. */
export function deviceCommand(): Command {
  return new Command('device')
    .description('run an Outpost device: verified model slots, local REST API, telemetry')
    .requiredOption('--id <id>', 'device id')
    .requiredOption('--data-dir <dir>', 'where slots, state and the telemetry outbox live')
    .requiredOption('--broker <url>', 'MQTT broker of the site gateway, e.g. mqtt://127.0.0.1:1883')
    .requiredOption('--public-key <pem>', "file with the fleet's ed25519 public key (PEM)")
    .option('--http-port <n>', 'REST API port (0 = any free port)', intArg('--http-port', 0, 65535), 0)
    .option('--http-host <host>', 'REST API address', '127.0.0.1')
    .addOption(
      new Option(
        '--engine <name>',
        'inference engine: onnx runs model.onnx (onnxruntime-web, any model); tflite runs model.tflite (linear, logistic, MLP) and refuses artifacts without one',
      )
        .choices(ENGINE_CHOICES)
        .default(DEFAULT_ENGINE),
    )
    .option('--replay <csv>', 'replay rows from a CSV file as sensor input')
    .option('--rate <rows/s>', 'replay rate', positiveArg)
    .option('--loop', 'replay the CSV in a loop')
    .option('--window-rows <n>', 'rows per telemetry window', intArg('--window-rows', 1, 1_000_000))
    .option('--window-ms <ms>', 'longest a telemetry window stays open', intArg('--window-ms', 10, 86_400_000))
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (o: DeviceCliOptions) => {
      if (!/^mqtts?:\/\/|^wss?:\/\/|^tcp:\/\//.test(o.broker))
        throw deviceError(DeviceErrorCodes.CLI_ARGS, `--broker must be an mqtt:// URL, got ${o.broker}`);
      if ((o.rate !== undefined || o.loop) && !o.replay)
        throw deviceError(DeviceErrorCodes.CLI_ARGS, '--rate and --loop need --replay');
      let publicKeyPem: string;
      try {
        publicKeyPem = readFileSync(o.publicKey, 'utf8');
      } catch (err) {
        throw deviceError(DeviceErrorCodes.CLI_ARGS, `cannot read --public-key ${o.publicKey}: ${errorMessage(err)}`);
      }
      const engine = createEngine(o.engine);
      const logger = pino({ level: o.logLevel });
      const device = await startDevice({
        id: o.id,
        dataDir: o.dataDir,
        brokerUrl: o.broker,
        publicKeyPem,
        httpPort: o.httpPort,
        httpHost: o.httpHost,
        engine,
        logger,
        ...(o.windowRows !== undefined ? { windowRows: o.windowRows } : {}),
        ...(o.windowMs !== undefined ? { windowMs: o.windowMs } : {}),
      });
      const active = device.active();
      const running = active ? `${active.name} v${active.version} from ${active.modelFile}` : 'no model yet';
      console.log(
        `device ${device.id} serving on ${device.httpUrl} (engine ${o.engine}: ${engine.name}, runs ${engine.modelRole} files; ${running})`,
      );
      const replaying = o.replay
        ? new CsvReplaySource({
            path: o.replay,
            ...(o.rate !== undefined ? { rate: o.rate } : {}),
            loop: o.loop ?? false,
          })
        : undefined;
      const replayDone = replaying
        ? device.replay(replaying).then(
            (n) => console.log(`replayed ${n} rows from ${o.replay}`),
            (err: unknown) => console.error(`replay failed: ${errorMessage(err)}`),
          )
        : Promise.resolve();
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await replaying?.close();
      await replayDone;
      await device.close();
      console.log('device stopped');
    });
}

export function deviceCommands(): Command[] {
  return [deviceCommand()];
}
