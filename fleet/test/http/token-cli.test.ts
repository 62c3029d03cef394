import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { ExitCode, runProgram, type CliIO, type CommandContext } from '@outpost/protocol/node';
import { ApiErrorCodes } from '../../src/errors.ts';
import { tokenCommands } from '../../src/cli/token-commands.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';

function run(...args: string[]): Promise<{ out: string[]; err: string[]; code: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number | undefined;
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), setExitCode: (c) => (code = c) };
  const ctx: CommandContext = { io, signals: new EventEmitter() };
  const root = new Command('outpost').configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of tokenCommands(ctx)) root.addCommand(c.configureOutput({ writeOut: io.out, writeErr: io.err }));
  return runProgram(root, ['node', 'outpost', ...args], io).then(() => ({ out, err, code }));
}

describe('outpost token, against a running fleet API', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await startApiFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  it('creates a token the running API accepts, lists it without the secret, and revokes it (then 401)', async () => {
    const created = await run('token', 'create', '--role', 'operator', '--name', 'cli-op', '--data-dir', f.dataDir);
    expect(created.code ?? ExitCode.OK).toBe(ExitCode.OK);
    const token = created.out[0] ?? '';
    expect(token).toMatch(/^opt_[A-Za-z0-9_-]{43}$/);
    const res = await f.call('/api/v1/gateways', { token });
    expect(res.status).toBe(200);

    const listed = await run('token', 'list', '--json', '--data-dir', f.dataDir);
    const list = JSON.parse(listed.out.join('\n')) as { id: string; name: string; role: string }[];
    const mine = list.find((t) => t.name === 'cli-op');
    expect(mine?.role).toBe('operator');
    expect(listed.out.join('\n')).not.toContain(token);

    const revoked = await run('token', 'revoke', mine?.id ?? '', '--data-dir', f.dataDir);
    expect(revoked.code ?? ExitCode.OK).toBe(ExitCode.OK);
    const after = await f.call('/api/v1/gateways', { token });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe(ApiErrorCodes.API_UNAUTHORIZED);
  });

  it('refuses an unknown role and an unknown id with their codes and a failing exit code', async () => {
    const bad = await run('token', 'create', '--role', 'root', '--data-dir', f.dataDir);
    expect(bad.code).not.toBe(ExitCode.OK);
    expect(bad.err.join('\n')).toContain(ApiErrorCodes.TOKEN_ROLE_INVALID);
    const unknown = await run('token', 'revoke', 'ffffffffffff', '--data-dir', f.dataDir);
    expect(unknown.code).not.toBe(ExitCode.OK);
    expect(unknown.err.join('\n')).toContain(ApiErrorCodes.TOKEN_NOT_FOUND);
  });
});
