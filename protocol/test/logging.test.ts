import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/node/logging.ts';

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

describe('createLogger', () => {
  it('writes one JSON object a line when the stream is not a terminal, from its level up', () => {
    const stream = new PassThrough();
    const text = collect(stream);
    const logger = createLogger({ level: 'info', name: 'outpost-x', stream });
    logger.debug('not shown');
    logger.info({ device: 'd1' }, 'started');
    logger.error({ err: new Error('boom') }, 'failed');
    const lines = text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['msg'])).toEqual(['started', 'failed']);
    expect(lines[0]).toMatchObject({ level: 30, name: 'outpost-x', device: 'd1' });
    expect(lines[1]).toMatchObject({ level: 50, err: { type: 'Error', message: 'boom' } });
    expect(String((lines[1]?.['err'] as { stack: string }).stack)).toContain('boom');
  });

  it('is human-readable (pino-pretty) when the stream is a terminal', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true });
    const text = collect(stream);
    createLogger({ level: 'info', stream }).warn({ port: 1883 }, 'port taken');
    const out = text();
    expect(() => JSON.parse(out) as unknown).toThrow();
    expect(out).toMatch(/WARN/);
    expect(out).toContain('port taken');
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toContain('port: 1883');
  });

  it('logs to stderr by default, leaving stdout to the command', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'logger-child.ts')],
      {
        cwd: join(import.meta.dirname, '..', '..'),
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe('stdout stays for output\n');
    const lines = err
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'shown', n: 1, name: 'outpost-test' });
  });
});
