import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { CliErrorCodes, DesiredState, ErrorCodes, decode, encode, topics } from '@outpost/protocol';
import { ExitCode, runProgram, type CliIO, type CommandContext } from '@outpost/protocol/node';
import { Command } from 'commander';
import { fleetCommands } from '../src/cli/index.ts';
import { FleetErrorCodes } from '../src/errors.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { fixtureWindow, gatewayTransport, newKeys, tempDir, writeFixtureArtifact } from './fixtures.ts';
import { waitFor } from './wait.ts';

interface Captured extends CliIO {
  stdout: string[];
  stderr: string[];
  exitCode: number | undefined;
  signals: EventEmitter;
  /** Sends SIGTERM to the running command (the kit's shutdown helper listens on `signals`). */
  stop: () => void;
}

function captureIO(): Captured {
  const signals = new EventEmitter();
  const io: Captured = {
    stdout: [],
    stderr: [],
    exitCode: undefined,
    out: (t) => io.stdout.push(t),
    err: (t) => io.stderr.push(t),
    setExitCode: (c) => {
      io.exitCode = c;
    },
    signals,
    stop: () => signals.emit('SIGTERM', 'SIGTERM'),
  };
  return io;
}

/** A program like the root `outpost` one, run by the kit's `runProgram`, printing into `io`. */
function program(io: Captured): Command {
  const ctx: CommandContext = { io, signals: io.signals };
  const root = new Command('outpost').configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const cmd of fleetCommands(ctx)) {
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    root.addCommand(cmd);
  }
  return root;
}

/** Runs one command line; a usage error ends with exit code 2 in `io.exitCode`. */
const run = (io: Captured, ...args: string[]): Promise<number> =>
  runProgram(program(io), ['node', 'outpost', ...args], io);

describe('fleet CLI', () => {
  const keys = newKeys();
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;

  beforeEach(() => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'data');
    mkdirSync(join(dataDir, 'keys'), { recursive: true });
    writeFileSync(join(dataDir, 'keys', 'signing.pub'), keys.publicKeyPem);
  });
  afterEach(() => tmp.remove());

  it('registers offline, then prints a drift table and JSON', async () => {
    const a = writeFixtureArtifact(tmp.dir, keys);
    const io = captureIO();
    await run(io, 'register', a.dir, '--data-dir', dataDir);
    expect(io.exitCode).toBe(ExitCode.OK);
    expect(io.stdout[0]).toBe(`registered housing v1 (${a.artifactId})`);

    const store = openSqliteStore(join(dataDir, 'fleet.db'));
    store.insertTelemetry(fixtureWindow('dev1', 0, { x: [0, 100, 400, 1500] }), '2025-01-01T00:00:00.000Z');
    store.close();

    await run(io, 'drift', 'housing', '--data-dir', dataDir);
    const table = io.stdout[1] ?? '';
    expect(table).toMatch(/^housing v1: 1 windows, 2000 rows/);
    expect(table.split('\n')[1]).toMatch(/^feature\s+PSI\s+JS\s+rows\s+status$/);
    expect(table.split('\n')[2]).toMatch(/^x\s+\d+\.\d{4}\s+\d\.\d{4}\s+2000\s+major$/);

    await run(io, 'drift', 'housing', '1', '--data-dir', dataDir, '--json', '--device', 'dev1');
    const json = JSON.parse(io.stdout[2] ?? '') as { device: string; features: { feature: string; status: string }[] };
    expect(json.device).toBe('dev1');
    expect(json.features[0]).toMatchObject({ feature: 'x', status: 'major' });
    expect(io.exitCode).toBe(ExitCode.OK);
  });

  it('fails with a clear message and non-zero exit on bad arguments and missing things', async () => {
    const usage = `outpost: ${CliErrorCodes.CLI_ARGS}: `;
    const badVersion = captureIO();
    expect(await run(badVersion, 'assign', 'gw1', 'housing', 'abc', '--data-dir', dataDir)).toBe(ExitCode.USAGE);
    expect(badVersion.exitCode).toBe(ExitCode.USAGE);
    expect(badVersion.stderr[0]).toContain(`${usage}version:`);

    const badId = captureIO();
    expect(await run(badId, 'drift', 'bad/model', '--data-dir', dataDir)).toBe(ExitCode.USAGE);
    expect(badId.stderr[0]).toContain(`${usage}model:`);

    const badPort = captureIO();
    expect(await run(badPort, 'fleet', '--port', '70000', '--data-dir', dataDir)).toBe(ExitCode.USAGE);
    expect(badPort.stderr[0]).toContain(`${usage}--port:`);

    const badBroker = captureIO();
    expect(await run(badBroker, 'assign', 'gw1', 'housing', '1', '--broker', 'http://h:1', '--data-dir', dataDir)).toBe(
      ExitCode.USAGE,
    );
    expect(badBroker.stderr[0]).toContain(`${usage}--broker:`);

    const missingArg = captureIO();
    expect(await run(missingArg, 'assign', 'gw1')).toBe(ExitCode.USAGE);
    expect(missingArg.stderr.join('')).toMatch(/missing required argument/);

    const unknown = captureIO();
    await run(unknown, 'drift', 'housing', '--data-dir', dataDir);
    expect(unknown.exitCode).toBe(ExitCode.FAILURE);
    expect(unknown.stderr).toEqual([expect.stringMatching(new RegExp(`^outpost: ${FleetErrorCodes.UNKNOWN_MODEL}: `))]);

    const noKey = captureIO();
    await run(
      noKey,
      'fleet',
      '--data-dir',
      join(tmp.dir, 'empty'),
      '--port',
      '0',
      '--public-key',
      join(tmp.dir, 'keys', 'signing.pub'),
    );
    expect(noKey.exitCode).toBe(ExitCode.USAGE);
    expect(noKey.stderr[0]).toMatch(new RegExp(`^${usage}--public-key: file .*signing\\.pub not found`));

    const tampered = captureIO();
    await run(tampered, 'register', join(tmp.dir, 'nowhere'), '--data-dir', dataDir);
    expect(tampered.exitCode).toBe(ExitCode.FAILURE);
    expect(tampered.stderr[0]).toMatch(new RegExp(`^outpost: ${ErrorCodes.ARTIFACT_FOLDER_INVALID}: `));
  });

  it('creates the fleet signing key pair in its data dir on first use', async () => {
    const fresh = join(tmp.dir, 'fresh-fleet');
    const svc = captureIO();
    const running = run(svc, 'fleet', '--data-dir', fresh, '--port', '0', '--log-level', 'silent');
    await waitFor(() => svc.stdout.some((l) => l.startsWith('fleet running')), 'fleet started');
    expect(svc.stdout[0]).toMatch(/created the fleet's signing key pair/);
    expect(existsSync(join(fresh, 'keys', 'signing.key'))).toBe(true);
    expect(existsSync(join(fresh, 'keys', 'signing.pub'))).toBe(true);
    svc.stop();
    await running;
  });

  it('runs the fleet until stopped, and assigns through its broker', async () => {
    const a = writeFixtureArtifact(tmp.dir, keys);
    const svc = captureIO();
    const running = run(svc, 'fleet', '--data-dir', dataDir, '--port', '0', '--log-level', 'silent');
    const url = await waitFor(() => /broker (mqtt:\/\/\S+);/.exec(svc.stdout.join('\n'))?.[1], 'fleet started');
    try {
      const io = captureIO();
      await run(io, 'register', a.dir, '--data-dir', dataDir);
      // gw1 has reported to the fleet, with its two devices: the fleet knows them.
      const reporter = gatewayTransport(dataDir, url, 'gw1');
      await reporter.start();
      await reporter.publish(
        topics.gateway('gw1', 'reported'),
        encode({
          source: 'gw1',
          kind: 'gateway',
          revision: -1,
          at: '2026-01-01T00:00:00.000Z',
          status: 'idle',
          models: [],
          devices: ['dev1', 'dev2'],
        }),
        { qos: 1, retain: true },
      );
      await reporter.close();
      // Enrolled again: the reporter's credentials are replaced, as a re-enrolled gateway's are.
      const client = gatewayTransport(dataDir, url, 'gw1');
      const seen = openSqliteStore(join(dataDir, 'fleet.db'));
      try {
        await waitFor(() => seen.listReported().length === 1, 'gateway report stored');
      } finally {
        seen.close();
      }
      await run(
        io,
        'assign',
        'gw1',
        'housing',
        '1',
        '--data-dir',
        dataDir,
        '--broker',
        url,
        '--devices',
        'dev1,dev2',
        '--no-wait',
      );
      expect(io.stderr).toEqual([]);
      expect(io.stdout[1]).toBe('assigned housing v1 to gw1 devices dev1,dev2 (revision 1)');

      let got: DesiredState | undefined;
      await client.route(topics.gateway('gw1', 'desired'), (_t, p) => {
        got = decode(DesiredState, p, 'desired');
      });
      await client.start();
      try {
        const state = await waitFor(() => got, 'retained desired state');
        expect(state.models).toEqual([
          { name: 'housing', version: 1, artifactId: a.artifactId, devices: ['dev1', 'dev2'] },
        ]);
        expect(state.signature?.alg).toBe('ed25519');
        // the running service ingests too
        await client.publish(topics.device('dev1', 'telemetry'), encode(fixtureWindow('dev1', 0)));
      } finally {
        await client.close();
      }
      const reader = openSqliteStore(join(dataDir, 'fleet.db'));
      try {
        await waitFor(() => reader.countTelemetry() === 1, 'window stored by the running fleet');
      } finally {
        reader.close();
      }

      const missing = captureIO();
      await run(missing, 'assign', 'gw1', 'housing', '2', '--data-dir', dataDir, '--broker', url);
      expect(missing.exitCode).toBe(ExitCode.FAILURE);
      expect(missing.stderr[0]).toMatch(new RegExp(`^outpost: ${FleetErrorCodes.VERSION_NOT_REGISTERED}: `));
    } finally {
      svc.stop();
      await running;
    }
    expect(svc.stdout.at(-1)).toBe('fleet stopped');
    expect(svc.exitCode).toBe(ExitCode.OK);
  });

  it('says when the broker cannot be reached', async () => {
    const a = writeFixtureArtifact(tmp.dir, keys);
    const io = captureIO();
    await run(io, 'register', a.dir, '--data-dir', dataDir);
    await run(
      io,
      'assign',
      'gw1',
      'housing',
      '1',
      '--data-dir',
      dataDir,
      '--broker',
      'mqtt://127.0.0.1:1',
      '--timeout',
      '300ms',
    );
    expect(io.exitCode).toBe(ExitCode.FAILURE);
    expect(io.stderr[0]).toMatch(new RegExp(`^outpost: ${FleetErrorCodes.BROKER_UNREACHABLE}: `));
  });
  it('moves a device to a known gateway, refuses an unknown one, and audits the move', async () => {
    const store = openSqliteStore(join(dataDir, 'fleet.db'));
    store.putReported({
      source: 'gw2',
      kind: 'gateway',
      revision: -1,
      at: '2025-01-01T00:00:00.000Z',
      status: 'idle',
      models: [],
    });
    store.bindDeviceGateway('dev1', 'gw1', '2025-01-01T00:00:00.000Z');
    store.close();
    const refused = captureIO();
    await run(refused, 'devices', 'move', 'dev1', '--to', 'gw9', '--data-dir', dataDir);
    expect(refused.exitCode).toBe(ExitCode.FAILURE);
    expect(refused.stderr[0]).toMatch(new RegExp(`^outpost: ${FleetErrorCodes.UNKNOWN_GATEWAY}: `));

    const io = captureIO();
    await run(io, 'devices', 'move', 'dev1', '--to', 'gw2', '--reason', 'new site', '--data-dir', dataDir, '--json');
    expect(io.exitCode).toBe(ExitCode.OK);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ device: 'dev1', from: 'gw1', to: 'gw2' });
    const after = openSqliteStore(join(dataDir, 'fleet.db'));
    try {
      expect(after.deviceGateway('dev1')).toBe('gw2');
      expect(after.audit().map((e) => [e.action, e.target, e.reason])).toEqual([['move-device', 'dev1', 'new site']]);
    } finally {
      after.close();
    }
  });
});
