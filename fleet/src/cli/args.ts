import { ID_PATTERN } from '@outpost/protocol';
import { InvalidArgumentError } from 'commander';

/** Argument parsers for commander: each refuses bad input with a message naming what is wanted. */
export function integerArg(what: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value.trim()))
      throw new InvalidArgumentError(`${what} must be an integer, got ${JSON.stringify(value)}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${what} must be between ${min} and ${max}, got ${n}.`);
    return n;
  };
}

export function idArg(what: string): (value: string) => string {
  return (value) => {
    if (!ID_PATTERN.test(value))
      throw new InvalidArgumentError(
        `${what} must be 1–64 of [A-Za-z0-9_.-], starting with a letter or digit; got ${JSON.stringify(value)}.`,
      );
    return value;
  };
}

export function idListArg(what: string): (value: string) => string[] {
  const one = idArg(what);
  return (value) => value.split(',').map((v) => one(v.trim()));
}

export function brokerUrlArg(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`broker must be a URL like mqtt://host:1883, got ${JSON.stringify(value)}.`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new InvalidArgumentError(`broker URL scheme must be mqtt:, mqtts:, ws: or wss:, got ${url.protocol}`);
  }
  return value;
}

export const portArg = integerArg('port', 0, 65535);
export const versionArg = integerArg('version', 1);

/** Default data folder of the fleet, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.outpost/fleet';
export const DEFAULT_BROKER_URL = 'mqtt://127.0.0.1:1883';
