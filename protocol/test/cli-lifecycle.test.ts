import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, OutpostError } from '../src/index.ts';
import { createLifecycle, withLifecycle } from '../src/node/cli/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CHILD = join(import.meta.dirname, 'fixtures', 'lifecycle-child.ts');

describe('the shutdown helper', () => {
  it('closes what was opened in reverse order, once, and goes on past a closer that throws', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const lc = createLifecycle({ source: new EventEmitter(), onCloseError: (name) => errors.push(name) });
    await lc.start(
      'a',
      () => 1,
      () => void log.push('close a'),
    );
    lc.defer('b', () => {
      log.push('close b');
      throw new Error('b fails to close');
    });
    await lc.start(
      'c',
      async () => 3,
      async () => void log.push('close c'),
    );
    await Promise.all([lc.close(), lc.close()]);
    await lc.close();
    expect(log).toEqual(['close c', 'close b', 'close a']);
    expect(errors).toEqual(['b']);
  });

  it('closes the parts opened before a start step that throws, and rethrows its error', async () => {
    const log: string[] = [];
    const failure = new OutpostError(ErrorCodes.KEY_INVALID, 'no key');
    await expect(
      withLifecycle(
        async (lc) => {
          await lc.start(
            'a',
            () => 'a',
            () => void log.push('close a'),
          );
          await lc.start(
            'b',
            () => 'b',
            () => void log.push('close b'),
          );
          await lc.start(
            'c',
            () => Promise.reject(failure),
            () => void log.push('close c'),
          );
          log.push('not reached');
        },
        { source: new EventEmitter() },
      ),
    ).rejects.toBe(failure);
    expect(log).toEqual(['close b', 'close a']);
  });

  it('resolves untilStopped on the first signal, even one that came during start, and removes its listeners', async () => {
    const source = new EventEmitter();
    const lc = createLifecycle({ source, onSecondSignal: () => {} });
    expect(source.listenerCount('SIGINT')).toBe(1);
    expect(lc.stopping).toBe(false);
    source.emit('SIGINT', 'SIGINT');
    expect(lc.stopping).toBe(true);
    source.emit('SIGTERM', 'SIGTERM');
    expect(await lc.untilStopped()).toBe('SIGINT');
    await lc.close();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });

  it('a second signal while stopping is handed to onSecondSignal', async () => {
    const source = new EventEmitter();
    const seconds: string[] = [];
    const lc = createLifecycle({ source, onSecondSignal: (s) => seconds.push(s) });
    source.emit('SIGTERM', 'SIGTERM');
    source.emit('SIGINT', 'SIGINT');
    expect(seconds).toEqual(['SIGINT']);
    await lc.close();
  });
});

interface ChildResult {
  code: number | null;
  stdout: string[];
  stderr: string;
}

/** Runs the fixture command as a real process; `signal` is sent once it prints "ready". */
function runChild(mode: string, signal?: NodeJS.Signals): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], { cwd: ROOT, stdio: 'pipe' });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (signal && !sent && out.includes('ready\n')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: out.trim().split('\n'), stderr: err }));
  });
}

describe('a command process using the kit', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('on %s closes c, b, a in that order and exits 0', async (signal) => {
    const r = await runChild('wait', signal);
    expect(r.stdout).toEqual([
      'open a',
      'open b',
      'open c',
      'ready',
      `signal ${signal}`,
      'close c',
      'close b',
      'close a',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('when a start step throws, closes what it opened, prints one coded line without a stack and exits 1', async () => {
    const r = await runChild('throw');
    expect(r.stdout).toEqual(['open a', 'open b', 'close b', 'close a']);
    expect(r.stderr).toBe(`outpost: ${ErrorCodes.KEY_INVALID}: c cannot start\n`);
    expect(r.code).toBe(1);
  });

  it('exits 2 on a usage error and 3 on a no-go', async () => {
    const usage = await runChild('usage');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^outpost: \S+: --mode: is not a mode\n$/);
    expect((await runChild('no-go')).code).toBe(3);
  });
});
