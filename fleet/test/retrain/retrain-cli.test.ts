/**
 * `outpost register | retrain | retrain list` on a real fleet data folder (SQLite, no broker): the
 * key pair of `<data-dir>/keys` signs the champion and the challenger, the command prints both
 * scores, the margin and the decision, and `retrain list` shows the run after the process's stores
 * are closed. A canary asked for on a fleet with no device to update leaves the challenger
 * registered and says why no campaign started.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliErrorCodes } from '@outpost/protocol';
import { ExitCode, loadOrCreateKeyPair, runProgram, type CliIO, type CommandContext } from '@outpost/protocol/node';
import { fleetCommands } from '../../src/cli/index.ts';
import { FleetErrorCodes } from '../../src/errors.ts';
import type { RetrainRun } from '../../src/retrain/retrain-run.ts';
import { tempDir } from '../fixtures.ts';
import { buildChampion, housingRows, writeFresh, writeHousingSpec } from './housing-fixture.ts';

interface Captured extends CliIO {
  stdout: string[];
  stderr: string[];
  exitCode: number | undefined;
}

async function outpost(...args: string[]): Promise<Captured> {
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
  const ctx: CommandContext = { io, signals: new EventEmitter() };
  // Like bin/outpost.ts: the root's options only before a subcommand.
  const root = new Command('outpost')
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of fleetCommands(ctx)) root.addCommand(c);
  await runProgram(root, ['node', 'outpost', ...args], io);
  return io;
}
const codeOf = (io: Captured): string | undefined => /^outpost: ([A-Z_]+):/.exec(io.stderr.join('\n'))?.[1];

let tmp: ReturnType<typeof tempDir>;
let dataDir: string;
let spec: string;
let fresh: string;

beforeAll(async () => {
  tmp = tempDir();
  dataDir = join(tmp.dir, 'fleet');
  mkdirSync(dataDir);
  const keys = loadOrCreateKeyPair(join(dataDir, 'keys'));
  const data = housingRows();
  spec = writeHousingSpec(tmp.dir, data, { rows: 400 });
  const champion = await buildChampion(spec, tmp.dir, keys);
  const reg = await outpost('register', champion, '--data-dir', dataDir);
  expect(reg.exitCode ?? 0).toBe(0);
  fresh = join(tmp.dir, 'station.csv');
  writeFresh(fresh, data, { from: 400, count: 600, station: true });
}, 120_000);

afterAll(() => tmp.remove());

describe('outpost retrain', () => {
  it('refuses a key the fleet does not pin, before training', async () => {
    const other = join(tmp.dir, 'other-keys');
    mkdirSync(other);
    loadOrCreateKeyPair(other);
    const io = await outpost(
      'retrain',
      'housing',
      '--fresh',
      fresh,
      '--keys',
      other,
      '--spec',
      spec,
      '--data-dir',
      dataDir,
    );
    expect(io.exitCode).toBe(ExitCode.USAGE);
    expect(codeOf(io)).toBe(CliErrorCodes.CLI_ARGS);
    expect(io.stderr.join('\n')).toContain('--keys');
  });

  it('prints both scores, the margin and the decision, and lists the run', async () => {
    const io = await outpost(
      'retrain',
      'housing',
      '--fresh',
      fresh,
      '--keys',
      join(dataDir, 'keys'),
      '--spec',
      spec,
      '--data-dir',
      dataDir,
      '--canary',
      '1,100%',
    );
    expect(io.exitCode ?? 0).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/rmse champion\s+\d+/);
    expect(text).toMatch(/rmse challenger\s+\d+/);
    expect(text).toMatch(/margin 2%/);
    expect(text).toContain('promoted: registered housing v2 (parent v1)');

    const list = await outpost('retrain', 'list', '--data-dir', dataDir, '--json');
    expect(list.stderr).toEqual([]);
    const runs = JSON.parse(list.stdout.join('\n')) as RetrainRun[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ model: 'housing', outcome: 'promoted', registeredVersion: 2, championVersion: 1 });
    // No device has reported, so the canary had nothing to update: the run says so.
    expect(runs[0]?.campaignError?.code).toBe(FleetErrorCodes.CAMPAIGN_INVALID);
    const table = await outpost('retrain', 'list', '--data-dir', dataDir, '--model', 'housing');
    expect(table.stdout.join('\n')).toContain('promoted v2');
  }, 120_000);
});
