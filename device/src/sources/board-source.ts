import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, silentLogger, systemClock, type Clock, type FeatureValue, type Logger } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import type { BoardConfig, PinFeatureConfig } from './board-config.ts';
import { Pacer } from './pacer.ts';
import type { SensorSource } from './sensor-source.ts';
import { Smoother, scaleReading } from './sensor-channel.ts';

/** The part of johnny-five this source uses (johnny-five ships no types). */
interface FiveBoard {
  once(event: 'ready' | 'error', fn: (arg?: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
}
interface FiveSensor {
  /** The latest reading from the IO plugin; null before the first. */
  readonly raw: number | null;
  disable(): unknown;
}
interface JohnnyFive {
  Board: new (o: Record<string, unknown>) => FiveBoard;
  Sensor: new (o: Record<string, unknown>) => FiveSensor;
}

export interface BoardSourceOptions {
  config: BoardConfig;
  /** Where a relative `board.io` path is resolved from (the config file's folder). Default: the working directory. */
  baseDir?: string;
  /** An IO plugin instance to use instead of loading `board.io` (embedding programs, tests). */
  io?: object;
  /** Paces the rows (`intervalMs`) and the ready timeout. */
  clock?: Clock;
  logger?: Logger;
}

/**
 * Rows from sensors on a board through johnny-five (docs/DEVICE.md "Attaching a sensor"): the
 * board config names the IO plugin (raspi-io or pigpio-io on a Pi, firmata over USB, …), which is
 * loaded — like johnny-five itself — only when a board is used. Every `intervalMs` each pin
 * feature's latest reading is scaled and smoothed into one row (null until its pin has reported:
 * missing); constant features are copied in.
 */
export class BoardSource implements SensorSource {
  private closed = false;
  private readonly pacer: Pacer;
  private readonly clock: Clock;
  private readonly log: Logger;
  private sensors: FiveSensor[] = [];
  private cancelReady: (() => void) | undefined;

  constructor(private readonly o: BoardSourceOptions) {
    this.clock = o.clock ?? systemClock;
    this.pacer = new Pacer(this.clock);
    this.log = (o.logger ?? silentLogger).child({ part: 'board' });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pacer.cancel();
    this.cancelReady?.();
    for (const s of this.sensors) s.disable();
    this.sensors = [];
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Record<string, FeatureValue>> {
    const { config } = this.o;
    const five = await loadJohnnyFive();
    const io = this.o.io ?? (await loadIoPlugin(config.board, this.o.baseDir ?? process.cwd()));
    if (this.closed) return;
    const board = new five.Board({ io, repl: false, debug: false, sigint: false });
    await this.ready(board);
    if (this.closed) return;
    const channels: { name: string; read: () => FeatureValue }[] = [];
    for (const [name, feature] of Object.entries(config.features)) {
      const { pin, value } = feature;
      if (pin === undefined) channels.push({ name, read: () => value ?? null });
      else channels.push({ name, read: this.channel(five, board, { ...feature, pin }) });
    }
    this.log.info({ features: channels.map((c) => c.name), intervalMs: config.intervalMs }, 'board ready');
    while (!this.closed) {
      await this.pacer.sleep(config.intervalMs);
      if (this.closed) return;
      const row: Record<string, FeatureValue> = {};
      for (const c of channels) row[c.name] = c.read();
      yield row;
    }
  }

  private channel(five: JohnnyFive, board: FiveBoard, feature: PinFeatureConfig): () => FeatureValue {
    // Disabled: johnny-five's own timer stays off; the source samples `raw` on its clock.
    const sensor = new five.Sensor({ pin: feature.pin, type: feature.type ?? 'analog', board, enabled: false });
    this.sensors.push(sensor);
    const smoother = new Smoother(feature.smoothing);
    return () => {
      const raw = sensor.raw;
      if (raw === null || raw === undefined || !Number.isFinite(raw)) return null;
      return smoother.push(scaleReading(Number(raw), feature.scale));
    };
  }

  private ready(board: FiveBoard): Promise<void> {
    const timeoutMs = this.o.config.board.readyTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.clock.clearTimeout(timer);
        this.cancelReady = undefined;
        board.removeAllListeners('ready');
        board.removeAllListeners('error');
        if (err) reject(err);
        else resolve();
      };
      const timer = this.clock.setTimeout(
        () =>
          done(
            deviceError(DeviceErrorCodes.BOARD_UNAVAILABLE, `the board did not report ready within ${timeoutMs} ms`, {
              details: { io: this.o.config.board.io, timeoutMs },
            }),
          ),
        timeoutMs,
      );
      this.cancelReady = () => done();
      board.once('ready', () => done());
      board.once('error', (err) =>
        done(
          deviceError(DeviceErrorCodes.BOARD_UNAVAILABLE, `the board failed: ${errorMessage(err)}`, {
            cause: err,
            details: { io: this.o.config.board.io },
          }),
        ),
      );
    });
  }
}

/** Loads johnny-five (an optional dependency) only when a board is used. */
async function loadJohnnyFive(): Promise<JohnnyFive> {
  const name = 'johnny-five';
  try {
    const mod = (await import(name)) as { default?: JohnnyFive } & Partial<JohnnyFive>;
    const five = (mod.default ?? mod) as JohnnyFive;
    if (typeof five.Board !== 'function' || typeof five.Sensor !== 'function') throw new Error('no Board or Sensor');
    return five;
  } catch (err) {
    throw deviceError(DeviceErrorCodes.BOARD_UNAVAILABLE, `cannot load johnny-five: ${errorMessage(err)}`, {
      cause: err,
      details: { module: name },
    });
  }
}

/** Loads and constructs the board's IO plugin: an npm package, or a file relative to the config. */
async function loadIoPlugin(board: BoardConfig['board'], baseDir: string): Promise<object> {
  const spec = board.io;
  const relative = spec.startsWith('.') || path.isAbsolute(spec);
  const target = relative ? pathToFileURL(path.resolve(baseDir, spec)).href : spec;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    throw deviceError(
      DeviceErrorCodes.BOARD_UNAVAILABLE,
      `cannot load the IO plugin ${spec}: ${errorMessage(err)}${relative ? '' : ` (install it: npm install ${spec})`}`,
      { cause: err, details: { io: spec } },
    );
  }
  const named = board.export;
  const candidates = named !== undefined ? [mod[named]] : [mod.default, ...Object.values(mod)];
  const Plugin = candidates.find((c): c is new (o: unknown) => object => typeof c === 'function');
  if (!Plugin)
    throw deviceError(
      DeviceErrorCodes.BOARD_UNAVAILABLE,
      `the IO plugin ${spec} has no ${named !== undefined ? `export ${named}` : 'class to construct'}`,
      { details: { io: spec, exports: Object.keys(mod) } },
    );
  try {
    return new Plugin(board.options);
  } catch (err) {
    throw deviceError(
      DeviceErrorCodes.BOARD_UNAVAILABLE,
      `the IO plugin ${spec} failed to start: ${errorMessage(err)}`,
      {
        cause: err,
        details: { io: spec },
      },
    );
  }
}
