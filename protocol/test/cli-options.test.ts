import { describe, expect, it } from 'vitest';
import { CliErrorCodes } from '../src/index.ts';
import {
  brokerUrlOption,
  durationOption,
  idListOption,
  idOption,
  intOption,
  logLevelOption,
  portOption,
  positiveNumberOption,
} from '../src/node/cli/index.ts';

/** The option a parser's CLI_ARGS error names, or the value it returned. */
function parse<T>(parser: (text: string) => T, text: string): T | { refused: unknown } {
  try {
    return parser(text);
  } catch (err) {
    const e = err as { code?: string; details?: { option?: string } };
    expect(e.code).toBe(CliErrorCodes.CLI_ARGS);
    return { refused: e.details?.option };
  }
}

describe('CLI kit option parsers', () => {
  it('intOption takes integers within its bounds and names the option otherwise', () => {
    const p = intOption('--n', { min: -2, max: 10 });
    expect(parse(p, '7')).toBe(7);
    expect(parse(p, ' -2 ')).toBe(-2);
    expect(parse(p, '+3')).toBe(3);
    for (const bad of ['11', '-3', '1.5', '1e2', '', 'x', '0x10', '99999999999999999999'])
      expect(parse(p, bad)).toEqual({ refused: '--n' });
  });

  it('portOption is 0–65535', () => {
    const p = portOption('--port');
    expect(parse(p, '0')).toBe(0);
    expect(parse(p, '65535')).toBe(65535);
    expect(parse(p, '65536')).toEqual({ refused: '--port' });
    expect(parse(p, '-1')).toEqual({ refused: '--port' });
  });

  it('durationOption reads ms, s, m, h and bare milliseconds, within bounds', () => {
    const p = durationOption('--every', { min: 10, max: 3_600_000 });
    expect(parse(p, '500ms')).toBe(500);
    expect(parse(p, '10s')).toBe(10_000);
    expect(parse(p, '1.5s')).toBe(1500);
    expect(parse(p, '5m')).toBe(300_000);
    expect(parse(p, '1h')).toBe(3_600_000);
    expect(parse(p, '250')).toBe(250);
    for (const bad of ['5ms', '2h', '10 sec', '-1s', 's', '', 'soon'])
      expect(parse(p, bad)).toEqual({ refused: '--every' });
  });

  it('brokerUrlOption takes mqtt: and mqtts: with a host and a port, and nothing else', () => {
    const p = brokerUrlOption('--broker');
    expect(parse(p, 'mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
    expect(parse(p, 'mqtts://fleet.example:8883')).toBe('mqtts://fleet.example:8883');
    expect(parse(p, 'mqtt://fleet')).toBe('mqtt://fleet');
    expect(parse(p, 'mqtt://[::1]:1883')).toBe('mqtt://[::1]:1883');
    for (const bad of [
      'http://fleet:1883',
      'ws://fleet:80',
      'tcp://fleet:1883',
      'fleet:1883',
      'mqtt://',
      'mqtt://fleet:0',
      'mqtt://fleet:70000',
      'mqtt://fleet:1883/topic',
      'mqtt://fleet:1883?x=1',
      '',
    ])
      expect(parse(p, bad)).toEqual({ refused: '--broker' });
  });

  it('idOption and idListOption follow the topic-level id rule', () => {
    expect(parse(idOption('--id'), 'gw-1.a_b')).toBe('gw-1.a_b');
    expect(parse(idOption('--id'), 'a/b')).toEqual({ refused: '--id' });
    expect(parse(idOption('--id'), '-lead')).toEqual({ refused: '--id' });
    expect(parse(idOption('--id'), 'x'.repeat(65))).toEqual({ refused: '--id' });
    expect(parse(idListOption('--devices'), 'd1, d2,d3')).toEqual(['d1', 'd2', 'd3']);
    expect(parse(idListOption('--devices'), 'd1,,d2')).toEqual({ refused: '--devices' });
  });

  it('positiveNumberOption and logLevelOption take what pino and a rate allow', () => {
    expect(parse(positiveNumberOption('--rate'), '2.5')).toBe(2.5);
    for (const bad of ['0', '-1', 'x', '', 'Infinity'])
      expect(parse(positiveNumberOption('--rate'), bad)).toEqual({ refused: '--rate' });
    expect(parse(logLevelOption(), 'debug')).toBe('debug');
    expect(parse(logLevelOption(), 'silent')).toBe('silent');
    expect(parse(logLevelOption(), 'loud')).toEqual({ refused: '--log-level' });
  });
});
