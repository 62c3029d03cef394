import { readFileSync } from 'node:fs';
import { errorMessage } from '@outpost/protocol';
import {
  createLogger,
  readNodeCredentials,
  usageError,
  withLifecycle,
  type CommandContext,
  type LogLevel,
} from '@outpost/protocol/node';
import { startDevice } from '../device.ts';
import { createEngine } from '../inference/engine-choice.ts';
import { CsvReplaySource } from '../sources/csv-replay.ts';
import type { DeviceCliOptions } from './index.ts';

/** `outpost device`: runs a device (and a CSV replay, with --replay) until SIGINT or SIGTERM. */
export async function runDevice(o: DeviceCliOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  if ((o.rate !== undefined || o.loop) && !o.replay) throw usageError('--rate', '--rate and --loop need --replay');
  let publicKeyPem: string;
  try {
    publicKeyPem = readFileSync(o.publicKey, 'utf8');
  } catch (err) {
    throw usageError('--public-key', `cannot read ${o.publicKey}: ${errorMessage(err)}`, err);
  }
  const credentials =
    o.credentials !== undefined ? readNodeCredentials(o.credentials, { expectId: o.id, required: true }) : undefined;
  const readCa = (file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw usageError('--ca', `cannot read ${file}: ${errorMessage(err)}`, err);
    }
  };
  const brokerCa = o.ca !== undefined ? readCa(o.ca) : undefined;
  const engine = createEngine(o.engine);
  const logger = createLogger({ level: o.logLevel as LogLevel, name: 'outpost-device' });
  await withLifecycle(
    async (lifecycle) => {
      const device = await lifecycle.start(
        'device',
        () =>
          startDevice({
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
            ...(credentials ? { credentials } : {}),
            ...(brokerCa ? { brokerCa } : {}),
          }),
        (d) => d.close(),
      );
      const active = device.active();
      const running = active ? `${active.name} v${active.version} from ${active.modelFile}` : 'no model yet';
      io.out(
        `device ${device.id} serving on ${device.httpUrl} (engine ${o.engine}: ${engine.name}, runs ${engine.modelRole} files; ${running})`,
      );
      if (o.replay) {
        const replay = o.replay;
        const source = new CsvReplaySource({
          path: replay,
          ...(o.rate !== undefined ? { rate: o.rate } : {}),
          loop: o.loop ?? false,
        });
        const done = device.replay(source).then(
          (n) => io.out(`replayed ${n} rows from ${replay}`),
          (err: unknown) => logger.error({ err }, `replay failed: ${errorMessage(err)}`),
        );
        // Closed before the device: stop reading rows, then wait for the replay to settle.
        lifecycle.defer('replay', async () => {
          await source.close();
          await done;
        });
      }
      const signal = await lifecycle.untilStopped();
      logger.info({ signal }, 'stopping');
    },
    { source: ctx.signals, onCloseError: (name, err) => logger.error({ err, part: name }, `closing ${name} failed`) },
  );
  io.out('device stopped');
}
