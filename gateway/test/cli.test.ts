import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { CliErrorCodes, generateSigningKeyPair } from '@outpost/protocol';
import { ExitCode, runProgram, type CliIO } from '@outpost/protocol/node';
import { Command } from 'commander';
import { gatewayCommands, parseGatewayArgs } from '../src/index.ts';
import { Resources, tempDir } from './helpers.ts';

const res = new Resources();
afterEach(async () => {
  await res.closeAll();
});

function keyFile(): string {
  const dir = tempDir(res);
  const file = join(dir, 'fleet.pub.pem');
  writeFileSync(file, generateSigningKeyPair().publicKeyPem);
  return file;
}

describe('outpost gateway arguments', () => {
  it('accepts a full set and fills the defaults', () => {
    const publicKey = keyFile();
    const parsed = parseGatewayArgs({ id: 'gw1', dataDir: '/tmp/x', upstream: 'mqtt://fleet:1883', publicKey });
    expect(parsed).toMatchObject({
      id: 'gw1',
      dataDir: '/tmp/x',
      upstreamUrl: 'mqtt://fleet:1883',
      localPort: 1884,
      localHost: '127.0.0.1',
    });
    expect(parsed.publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });

  it.each([
    ['missing id', { id: undefined }, '--id'],
    ['bad id', { id: 'a/b' }, '--id'],
    ['missing data dir', { dataDir: ' ' }, '--data-dir'],
    ['missing upstream', { upstream: undefined }, '--upstream'],
    ['upstream not a url', { upstream: 'fleet:1883:x' }, '--upstream'],
    ['upstream http', { upstream: 'http://fleet' }, '--upstream'],
    ['upstream with a path', { upstream: 'mqtt://fleet:1883/x' }, '--upstream'],
    ['port not a number', { port: '18x' }, '--port'],
    ['port too big', { port: '70000' }, '--port'],
    ['missing key', { publicKey: undefined }, '--public-key'],
    ['unreadable key', { publicKey: '/nonexistent/key.pem' }, '--public-key'],
  ])('refuses %s with CLI_ARGS naming the option', (_name, change, option) => {
    const args = { id: 'gw1', dataDir: '/tmp/x', upstream: 'mqtt://fleet:1883', publicKey: keyFile(), ...change };
    expect(() => parseGatewayArgs(args)).toThrow(
      expect.objectContaining({ code: CliErrorCodes.CLI_ARGS, details: { option } }),
    );
  });

  it('refuses a key file that is not an ed25519 public key', () => {
    const file = join(tempDir(res), 'junk.pem');
    writeFileSync(file, 'not a key');
    expect(() => parseGatewayArgs({ id: 'gw1', dataDir: '/tmp/x', upstream: 'mqtt://f', publicKey: file })).toThrow(
      expect.objectContaining({ code: CliErrorCodes.CLI_ARGS }),
    );
  });

  it('exits 2 on bad arguments without starting anything, printing one coded line', async () => {
    const lines: string[] = [];
    const io: CliIO & { exitCode?: number } = {
      out: (t) => lines.push(t),
      err: (t) => lines.push(t),
      setExitCode: (c) => (io.exitCode = c),
    };
    const root = new Command('outpost');
    for (const c of gatewayCommands({ io, signals: new EventEmitter() })) root.addCommand(c);
    const code = await runProgram(
      root,
      [
        'node',
        'outpost',
        'gateway',
        '--id',
        'gw1',
        '--data-dir',
        '/tmp/x',
        '--upstream',
        'http://nope',
        '--public-key',
        keyFile(),
      ],
      io,
    );
    expect(code).toBe(ExitCode.USAGE);
    expect(io.exitCode).toBe(ExitCode.USAGE);
    expect(lines).toEqual([expect.stringMatching(`^outpost: ${CliErrorCodes.CLI_ARGS}: --upstream: `)]);
  });

  it('has --log-level and refuses a level pino does not know', async () => {
    const [cmd] = gatewayCommands();
    expect(cmd?.options.map((o) => o.long)).toContain('--log-level');
    const io: CliIO & { exitCode?: number } = { out: () => {}, err: () => {}, setExitCode: (c) => (io.exitCode = c) };
    const root = new Command('outpost');
    for (const c of gatewayCommands({ io })) root.addCommand(c);
    expect(await runProgram(root, ['node', 'outpost', 'gateway', '--log-level', 'loud'], io)).toBe(ExitCode.USAGE);
  });
});
