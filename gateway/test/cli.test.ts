import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSigningKeyPair } from '@outpost/protocol';
import { GatewayErrorCodes, gatewayCommands, parseGatewayArgs } from '../src/index.ts';
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
    ['missing id', { id: undefined }, 'id'],
    ['bad id', { id: 'a/b' }, 'id'],
    ['missing upstream', { upstream: undefined }, 'upstream'],
    ['upstream not a url', { upstream: 'fleet:1883:x' }, 'upstream'],
    ['upstream http', { upstream: 'http://fleet' }, 'upstream'],
    ['port not a number', { port: '18x' }, 'port'],
    ['port too big', { port: '70000' }, 'port'],
    ['missing key', { publicKey: undefined }, 'public-key'],
    ['unreadable key', { publicKey: '/nonexistent/key.pem' }, 'public-key'],
  ])('refuses %s with OUTPOST_ERR_CLI_ARGS naming the option', (_name, change, option) => {
    const args = { id: 'gw1', dataDir: '/tmp/x', upstream: 'mqtt://fleet:1883', publicKey: keyFile(), ...change };
    expect(() => parseGatewayArgs(args)).toThrow(
      expect.objectContaining({ code: GatewayErrorCodes.CLI_ARGS, details: { option } }),
    );
  });

  it('refuses a key file that is not an ed25519 public key', () => {
    const file = join(tempDir(res), 'junk.pem');
    writeFileSync(file, 'not a key');
    expect(() => parseGatewayArgs({ id: 'gw1', dataDir: '/tmp/x', upstream: 'mqtt://f', publicKey: file })).toThrow(
      expect.objectContaining({ code: GatewayErrorCodes.CLI_ARGS }),
    );
  });

  it('exits non-zero on bad arguments without starting anything', async () => {
    const [cmd] = gatewayCommands();
    expect(cmd?.name()).toBe('gateway');
    const errors: string[] = [];
    const spy = vi.spyOn(globalThis.console, 'error').mockImplementation((msg: string) => {
      errors.push(msg);
    });
    const before = process.exitCode;
    try {
      await cmd?.parseAsync(['--id', 'gw1', '--data-dir', '/tmp/x', '--upstream', 'http://nope'], { from: 'user' });
      expect(process.exitCode).toBe(2);
      expect(errors.join('\n')).toMatch(/OUTPOST_ERR_CLI_ARGS: --upstream/);
    } finally {
      spy.mockRestore();
      process.exitCode = before;
    }
  });
});
