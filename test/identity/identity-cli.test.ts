import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliErrorCodes } from '@outpost/protocol';
import {
  ExitCode,
  IdentityErrorCodes,
  redeemEnrollToken,
  runProgram,
  type CliIO,
  type CommandContext,
} from '@outpost/protocol/node';
import { openFleetCredentials } from '@outpost/fleet';
import { identityCommands } from '../../bin/identity-commands.ts';

/** `outpost enroll-token create`, `revoke` and `enroll` argument handling (docs/SECURITY.md "Identity"). */
interface Captured extends CliIO {
  stdout: string[];
  stderr: string[];
  exitCode: number | undefined;
}

function captureIO(): Captured {
  const io: Captured = {
    stdout: [],
    stderr: [],
    exitCode: undefined,
    out: (t) => io.stdout.push(t),
    err: (t) => io.stderr.push(t),
    setExitCode: (c) => {
      io.exitCode = c;
    },
  };
  return io;
}

function run(io: Captured, ...args: string[]): Promise<number> {
  const ctx: CommandContext = { io, signals: process };
  const root = new Command('outpost').configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of identityCommands(ctx)) root.addCommand(c.configureOutput({ writeOut: io.out, writeErr: io.err }));
  return runProgram(root, ['node', 'outpost', ...args], io);
}

let dir: string;
let fleetDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-identity-cli-'));
  fleetDir = join(dir, 'fleet');
  mkdirSync(fleetDir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('identity commands', () => {
  it('creates a single-use token for a gateway, printed alone on stdout', async () => {
    const io = captureIO();
    expect(await run(io, 'enroll-token', 'create', '--gateway', 'gw1', '--data-dir', fleetDir)).toBe(ExitCode.OK);
    const token = io.stdout[0] as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { store } = openFleetCredentials(fleetDir);
    try {
      expect(redeemEnrollToken(store, token, Date.now()).id).toBe('gw1');
      expect(() => redeemEnrollToken(store, token, Date.now())).toThrow(
        expect.objectContaining({ code: IdentityErrorCodes.ENROLL_TOKEN_INVALID }),
      );
    } finally {
      store.close();
    }
  });

  it('needs exactly one of --gateway and --device (exit 2)', async () => {
    for (const extra of [[], ['--gateway', 'gw1', '--device', 'd1']]) {
      const io = captureIO();
      await run(io, 'enroll-token', 'create', '--data-dir', fleetDir, ...extra);
      expect(io.exitCode).toBe(ExitCode.USAGE);
      expect(io.stderr.join('\n')).toContain(CliErrorCodes.CLI_ARGS);
    }
  });

  it('revokes an enrolled gateway, and says when there is none (exit 1)', async () => {
    const missing = captureIO();
    await run(missing, 'revoke', 'gateway', 'gw1', '--data-dir', fleetDir);
    expect(missing.exitCode).toBe(ExitCode.FAILURE);
    expect(missing.stderr[0]).toContain(IdentityErrorCodes.NOT_ENROLLED);

    const io = captureIO();
    await run(io, 'enroll-token', 'create', '--gateway', 'gw1', '--data-dir', fleetDir);
    const { store } = openFleetCredentials(fleetDir);
    try {
      redeemEnrollToken(store, io.stdout[0] as string, Date.now());
    } finally {
      store.close();
    }
    const revoked = captureIO();
    expect(await run(revoked, 'revoke', 'gateway', 'gw1', '--data-dir', fleetDir)).toBe(ExitCode.OK);
    const after = openFleetCredentials(fleetDir);
    try {
      expect(after.store.getCredential('gw1')).toBeUndefined();
    } finally {
      after.store.close();
    }
  });

  it('enroll needs one endpoint, http(s) (exit 2), and a refused token is its code (exit 1)', async () => {
    const none = captureIO();
    await run(none, 'enroll', '--token', 't', '--data-dir', join(dir, 'gw'));
    expect(none.exitCode).toBe(ExitCode.USAGE);
    const mqttUrl = captureIO();
    await run(mqttUrl, 'enroll', '--fleet', 'mqtt://127.0.0.1:1883', '--token', 't', '--data-dir', join(dir, 'gw'));
    expect(mqttUrl.exitCode).toBe(ExitCode.USAGE);
    const unreachable = captureIO();
    await run(unreachable, 'enroll', '--fleet', 'http://127.0.0.1:1', '--token', 't', '--data-dir', join(dir, 'gw'));
    expect(unreachable.exitCode).toBe(ExitCode.FAILURE);
    expect(unreachable.stderr[0]).toContain(IdentityErrorCodes.ENROLL_FAILED);
  });
});
