/**
 * The one logger setup of every tier's commands (docs/ARCHITECTURE.md "Logging"): pino, on stderr
 * (stdout stays for the command's own output), human-readable through pino-pretty when stderr is
 * a terminal and one JSON object per line otherwise. Library code never calls this: it takes the
 * `Logger` it is given.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { createRequire } from 'node:module';
import type { LogLevel } from './cli/options.ts';

/** pino-pretty is loaded only for a terminal: a service logging JSON never pays its memory. */
const requirePretty = (): typeof import('pino-pretty') => createRequire(import.meta.url)('pino-pretty');

export interface LoggerSetup {
  level: LogLevel;
  /** Bound to every line, e.g. `outpost-fleet`. */
  name?: string;
  /** Default: stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default: whether `stream` is a terminal. */
  pretty?: boolean;
}

export function createLogger(setup: LoggerSetup): PinoLogger {
  const stream = setup.stream ?? process.stderr;
  const options = { level: setup.level, ...(setup.name !== undefined ? { name: setup.name } : {}) };
  if (setup.pretty ?? stream.isTTY === true) {
    return pino(options, requirePretty()({ destination: stream, sync: true, colorize: stream.isTTY === true }));
  }
  if (stream === process.stderr) return pino(options, pino.destination({ fd: 2, sync: true }));
  return pino(options, stream);
}
