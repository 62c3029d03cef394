import { describe, expect, it } from 'vitest';
import { deviceCommands } from '../src/index.ts';

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
    ])
      expect(flags).toContain(f);
  });

  it('rejects a missing required option and a bad port before starting anything', async () => {
    const run = async (args: string[]): Promise<string> => {
      const [cmd] = deviceCommands();
      let err = '';
      cmd!.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
      await expect(cmd!.parseAsync(args, { from: 'user' })).rejects.toThrow();
      return err;
    };
    expect(await run(['--id', 'd1'])).toMatch(/required option/);
    expect(
      await run([
        '--id',
        'd1',
        '--data-dir',
        '/tmp/x',
        '--broker',
        'mqtt://h',
        '--public-key',
        'k.pem',
        '--http-port',
        'abc',
      ]),
    ).toMatch(/--http-port must be an integer/);
  });

  it('rejects an unreadable key file and --rate without --replay with OUTPOST_ERR_CLI_ARGS', async () => {
    const [a] = deviceCommands();
    await expect(
      a!
        .exitOverride()
        .parseAsync(
          ['--id', 'd1', '--data-dir', '/tmp/x', '--broker', 'mqtt://h', '--public-key', '/nonexistent.pem'],
          { from: 'user' },
        ),
    ).rejects.toMatchObject({ code: 'OUTPOST_ERR_CLI_ARGS' });
    const [b] = deviceCommands();
    await expect(
      b!
        .exitOverride()
        .parseAsync(
          [
            '--id',
            'd1',
            '--data-dir',
            '/tmp/x',
            '--broker',
            'mqtt://h',
            '--public-key',
            '/nonexistent.pem',
            '--rate',
            '5',
          ],
          { from: 'user' },
        ),
    ).rejects.toMatchObject({ code: 'OUTPOST_ERR_CLI_ARGS' });
    const [c] = deviceCommands();
    await expect(
      c!
        .exitOverride()
        .parseAsync(['--id', 'd1', '--data-dir', '/tmp/x', '--broker', 'http://h', '--public-key', 'k'], {
          from: 'user',
        }),
    ).rejects.toMatchObject({ code: 'OUTPOST_ERR_CLI_ARGS' });
  });
});
