import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '@outpost/protocol';
import {
  createLogger,
  readNodeCredentials,
  usageError,
  withLifecycle,
  type CommandContext,
  type LogLevel,
} from '@outpost/protocol/node';
import { startDevice, type DeviceOptions } from '../device.ts';
import { UPDATE_STEPS } from '../updater.ts';
import { selectEngine } from '../inference/engine-choice.ts';
import { CsvReplaySource, loadCsvRows } from '../sources/csv-replay.ts';
import { parseFault, type ScheduledFault } from '../sources/faults.ts';
import type { SensorSource } from '../sources/sensor-source.ts';
import { SimulatedSource } from '../sources/simulated.ts';
import type { DeviceCliOptions } from './index.ts';

/** `outpost device`: runs a device (and a CSV replay, with --replay) until SIGINT or SIGTERM. */
export async function runDevice(o: DeviceCliOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  if ((o.rate !== undefined || o.loop) && !o.replay) throw usageError('--rate', '--rate and --loop need --replay');
  if (o.fault !== undefined && !o.replay) throw usageError('--fault', '--fault needs --replay');
  if (o.board !== undefined && o.replay !== undefined)
    throw usageError('--board', '--board and --replay exclude each other');
  // Validated before anything starts (OUTPOST_ERR_BOARD_CONFIG_INVALID names each problem). Loaded
  // only with --board: a device without sensors never pays for the YAML parser (docs/DEVICE.md "Memory").
  const boards = o.board !== undefined ? await import('../sources/board-source.ts') : undefined;
  const board =
    o.board !== undefined ? await (await import('../sources/board-config.ts')).loadBoardConfig(o.board) : undefined;
  // Parsed before anything starts, so a bad --fault is a usage error.
  const faults = (o.fault ?? []).map((spec) => {
    try {
      return parseFault(spec);
    } catch (err) {
      throw usageError('--fault', errorMessage(err), err);
    }
  });
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
  const holdAt = updateHold(ctx);
  const { engine, reason } = await selectEngine(o.engine);
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
            ...(o.reviewUpload === false ? { reviewUpload: false } : {}),
            ...(credentials ? { credentials } : {}),
            ...(brokerCa ? { brokerCa } : {}),
            ...(holdAt ? { updateCheckpoint: holdAt } : {}),
          }),
        (d) => d.close(),
      );
      const active = device.active();
      const running = active ? `${active.name} v${active.version} from ${active.modelFile}` : 'no model yet';
      io.out(
        `device ${device.id} serving on ${device.httpUrl} (engine ${engine.name}, ${reason}; runs ${engine.modelRole} files; ${running})`,
      );
      if (board && boards && o.board !== undefined) {
        const file = o.board;
        const source = new boards.BoardSource({ config: board, baseDir: path.dirname(path.resolve(file)), logger });
        const done = device.replay(source).then(
          (n) => io.out(`read ${n} rows from the board in ${file}`),
          (err: unknown) => {
            logger.error({ err }, `board failed: ${errorMessage(err)}`);
            io.err(`board failed: ${errorMessage(err)}`);
          },
        );
        lifecycle.defer('board', async () => {
          await source.close();
          await done;
        });
      }
      if (o.replay) {
        const replay = o.replay;
        const source: SensorSource =
          faults.length === 0
            ? new CsvReplaySource({
                path: replay,
                ...(o.rate !== undefined ? { rate: o.rate } : {}),
                loop: o.loop ?? false,
              })
            : await faultySource(replay, faults, o);
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

/** The power-cut test's hook (docs/DEVICE.md "Power-cut safety"): the environment variable naming the update step to hold at. */
export const HOLD_UPDATE_ENV = 'OUTPOST_TEST_HOLD_UPDATE_AT';

/**
 * With OUTPOST_TEST_HOLD_UPDATE_AT=<step>, every update step is announced on stdout and the update
 * stops for good at that step, so a test can SIGKILL the process exactly there.
 */
function updateHold(ctx: CommandContext): DeviceOptions['updateCheckpoint'] {
  const hold = process.env[HOLD_UPDATE_ENV];
  if (hold === undefined || hold === '') return undefined;
  if (!(UPDATE_STEPS as readonly string[]).includes(hold))
    throw usageError(HOLD_UPDATE_ENV, `not an update step: ${hold} (one of ${UPDATE_STEPS.join(', ')})`);
  return async (step, model) => {
    ctx.io.out(`update step ${step} (${model.name} v${model.version})`);
    if (step === hold) {
      ctx.io.out(`holding at ${step} (${HOLD_UPDATE_ENV})`);
      await new Promise<never>(() => undefined);
    }
  };
}

/** The CSV's rows replayed with faults injected (a simulated sensor over recorded data). */
async function faultySource(file: string, faults: ScheduledFault[], o: DeviceCliOptions): Promise<SensorSource> {
  const base = await loadCsvRows(file);
  return new SimulatedSource({
    base,
    faults,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
    ...(o.loop ? {} : { limit: base.length }),
  });
}
