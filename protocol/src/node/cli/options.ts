/**
 * Option parsers of the CLI kit (docs/ARCHITECTURE.md "Running a tier"). Each takes the option's
 * text and returns its value, or throws `OUTPOST_ERR_CLI_ARGS` naming the option (the action
 * runner turns that into exit code 2). They fit commander's `.option(flags, text, parser)` and
 * need no commander. Kept free of heavy imports: `--help` loads this file.
 */
import { CliErrorCodes } from '../../errors.ts';
import { ID_PATTERN } from '../../ids.ts';
import { OutpostError } from '../../outpost-error.ts';

export type OptionParser<T> = (text: string) => T;

export function usageError(option: string, message: string, cause?: unknown): OutpostError {
  return new OutpostError(CliErrorCodes.CLI_ARGS, `${option}: ${message}`, {
    details: { option },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** An integer in [min, max] (decimal digits, optional sign). */
export function intOption(option: string, bounds: { min?: number; max?: number } = {}): OptionParser<number> {
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  return (text) => {
    const t = text.trim();
    const n = Number(t);
    if (!/^[-+]?\d+$/.test(t) || !Number.isSafeInteger(n))
      throw usageError(option, `must be an integer, got ${JSON.stringify(text)}`);
    if (n < min || n > max) throw usageError(option, `must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** A TCP port: 0 (any free port) to 65535. */
export function portOption(option: string): OptionParser<number> {
  return intOption(option, { min: 0, max: 65535 });
}

/** A finite number greater than 0. */
export function positiveNumberOption(option: string): OptionParser<number> {
  return (text) => {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw usageError(option, `must be a positive number, got ${JSON.stringify(text)}`);
    return n;
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: `500ms`, `10s`, `5m`, `2h`, `1.5s`, or a bare number of
 * milliseconds. Bounds are in milliseconds.
 */
export function durationOption(option: string, bounds: { min?: number; max?: number } = {}): OptionParser<number> {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  return (text) => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
    if (!m) throw usageError(option, `must be a duration such as 500ms, 10s or 5m, got ${JSON.stringify(text)}`);
    const ms = Math.round(Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] as number));
    if (ms < min || ms > max) throw usageError(option, `must be between ${min} ms and ${max} ms, got ${ms} ms`);
    return ms;
  };
}

/** The broker URL schemes Outpost speaks: MQTT over TCP, or over TLS. */
export const BROKER_SCHEMES = ['mqtt:', 'mqtts:'] as const;
const DEFAULT_BROKER_PORT: Record<string, number> = { 'mqtt:': 1883, 'mqtts:': 8883 };

/** A broker URL, checked once for every tier: mqtt: or mqtts:, a host, a port in 1–65535, no path. */
export function brokerUrlOption(option: string): OptionParser<string> {
  return (text) => {
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch (cause) {
      throw usageError(option, `must be a URL such as mqtt://127.0.0.1:1883, got ${JSON.stringify(text)}`, cause);
    }
    if (!(BROKER_SCHEMES as readonly string[]).includes(url.protocol))
      throw usageError(option, `scheme must be ${BROKER_SCHEMES.join(' or ')}, got ${url.protocol}`);
    if (url.hostname === '') throw usageError(option, `names no host: ${JSON.stringify(text)}`);
    const port = url.port === '' ? DEFAULT_BROKER_PORT[url.protocol] : Number(url.port);
    if (port === undefined || port < 1 || port > 65535) throw usageError(option, `port must be 1–65535`);
    if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
      throw usageError(option, `must be scheme://host:port with nothing after it, got ${JSON.stringify(text)}`);
    return text.trim();
  };
}

/** An id that fits one MQTT topic level (the protocol's `ID_PATTERN`). */
export function idOption(option: string): OptionParser<string> {
  return (text) => {
    if (!ID_PATTERN.test(text))
      throw usageError(
        option,
        `must be 1–64 of [A-Za-z0-9_.-], starting with a letter or digit; got ${JSON.stringify(text)}`,
      );
    return text;
  };
}

/** A comma-separated list of ids. */
export function idListOption(option: string): OptionParser<string[]> {
  const one = idOption(option);
  return (text) => text.split(',').map((v) => one(v.trim()));
}

/** pino's levels, most to least verbose, and `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function logLevelOption(option = '--log-level'): OptionParser<LogLevel> {
  return (text) => {
    if (!(LOG_LEVELS as readonly string[]).includes(text))
      throw usageError(option, `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(text)}`);
    return text as LogLevel;
  };
}

/** The flags and help text every long-running command declares its log level with. */
export const LOG_LEVEL_FLAGS = '--log-level <level>';
export const LOG_LEVEL_HELP = `log level on stderr: ${LOG_LEVELS.join(', ')}`;
