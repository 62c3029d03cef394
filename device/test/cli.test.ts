import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { CliErrorCodes } from '@outpost/protocol';
import { ExitCode, runProgram, type CliIO } from '@outpost/protocol/node';
import { deviceCommands } from '../src/index.ts';

interface Captured extends CliIO {
  lines: string[];
  exitCode?: number;
}

/** Runs `outpost device …` through the kit's runner, as bin/outpost.ts does, printing into `io`. */
async function run(args: string[]): Promise<Captured> {
  const io: Captured = {
    lines: [],
    out: (t) => io.lines.push(t),
    err: (t) => io.lines.push(t),
    setExitCode: (c) => (io.exitCode = c),
  };
  const root = new Command('outpost').configureOutput({ writeErr: (s) => io.err(s), writeOut: (s) => io.out(s) });
  for (const c of deviceCommands({ io, signals: new EventEmitter() })) {
    c.configureOutput({ writeErr: (s) => io.err(s), writeOut: (s) => io.out(s) });
    root.addCommand(c);
  }
  await runProgram(root, ['node', 'outpost', 'device', ...args], io);
  return io;
}

const base = ['--id', 'd1', '--data-dir', '/tmp/x', '--broker', 'mqtt://h', '--public-key', '/nonexistent.pem'];
const usage = `outpost: ${CliErrorCodes.CLI_ARGS}: `;

describe('outpost device CLI', () => {
  it('is one commander command named device with the documented options', () => {
    const [cmd] = deviceCommands();
    expect(cmd?.name()).toBe('device');
    const flags = cmd?.options.map((o) => o.long);
    for (const f of [
      '--id',
      '--data-dir',
      '--broker',
      '--public-key',
      '--http-port',
      '--engine',
      '--replay',
      '--rate',
      '--loop',
      '--fault',
      '--seed',
      '--window-rows',
      '--window-ms',
      '--log-level',
    ])
      expect(flags).toContain(f);
  });

  it('exits 2 on a missing required option and on a bad port, before starting anything', async () => {
    const missing = await run(['--id', 'd1']);
    expect(missing.exitCode).toBe(ExitCode.USAGE);
    expect(missing.lines.join('')).toMatch(/required option/);
    const badPort = await run([...base, '--http-port', 'abc']);
    expect(badPort.exitCode).toBe(ExitCode.USAGE);
    expect(badPort.lines).toEqual([expect.stringMatching(`^${usage}--http-port: `)]);
  });

  it.each([
    ['an unreadable key file', [], '--public-key'],
    ['--rate without --replay', ['--rate', '5'], '--rate'],
    ['--fault without --replay', ['--fault', 'stuck:CO2@1'], '--fault'],
    ['a malformed --fault', ['--replay', 'x.csv', '--fault', 'melt:CO2@1'], '--fault'],
    ['a broker that is not mqtt: or mqtts:', ['--broker', 'http://h'], '--broker'],
    ['a window duration out of range', ['--window-ms', '5ms'], '--window-ms'],
    ['a window duration that is no duration', ['--window-ms', 'soon'], '--window-ms'],
    ['an unknown log level', ['--log-level', 'loud'], '--log-level'],
    ['a bad id', ['--id', 'a/b'], '--id'],
  ])('refuses %s with CLI_ARGS (exit 2), naming the option', async (_name, extra, option) => {
    const io = await run([...base, ...extra]);
    expect(io.exitCode).toBe(ExitCode.USAGE);
    expect(io.lines).toEqual([expect.stringMatching(`^${usage}${option}: `)]);
  });

  it('takes --window-ms as a duration', () => {
    const [cmd] = deviceCommands();
    const option = cmd?.options.find((o) => o.long === '--window-ms');
    expect(option?.parseArg?.('10s', undefined)).toBe(10_000);
    expect(option?.parseArg?.('250', undefined)).toBe(250);
  });
});
