/**
 * `outpost group | pin | rollout` against a running fleet (real aedes, real SQLite) and a
 * simulated site: the commands write campaigns into the store, the fleet's engine (polling every
 * 50 ms, real clock) runs them, and `start` / `resume` wait and print per wave and device.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, runProgram, type CliIO, type CommandContext } from '@outpost/protocol/node';
import { fleetCommands } from '../../src/cli/index.ts';
import { FleetErrorCodes } from '../../src/errors.ts';
import { startFleet, type Fleet } from '../../src/fleet.ts';
import { newKeys, tempDir, writeFixtureArtifact } from '../fixtures.ts';
import { waitFor } from '../wait.ts';
import { simSite, type Behaviour, type SimSite } from './sim-site.ts';

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
  const root = new Command('outpost').configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of fleetCommands(ctx)) root.addCommand(c);
  await runProgram(root, ['node', 'outpost', ...args], io);
  return io;
}
const codeOf = (io: Captured): string | undefined => /^outpost: ([A-Z_]+):/.exec(io.stderr.join('\n'))?.[1];

const keys = newKeys();
const DEVICES = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];

describe('outpost group, pin and rollout', () => {
  let tmp: ReturnType<typeof tempDir>;
  let dataDir: string;
  let fleet: Fleet;
  let site: SimSite;
  const bad = new Set<number>();

  beforeEach(async () => {
    tmp = tempDir();
    dataDir = join(tmp.dir, 'fleet');
    bad.clear();
    fleet = await startFleet({ dataDir, port: 0, publicKeyPem: keys.publicKeyPem, campaigns: { pollMs: 50 } });
    for (const v of [1, 2, 3])
      await fleet.registerArtifact(writeFixtureArtifact(tmp.dir, keys, 'housing', v, 1000).dir);
    site = await simSite({
      fleetDataDir: dataDir,
      brokerUrl: fleet.brokerUrl,
      gateway: 'gw1',
      devices: DEVICES,
      behaviour: (_d, _n, version): Behaviour => (bad.has(version) ? 'smoke-fail' : 'ok'),
    });
    await waitFor(() => fleet.store.listReported().filter((r) => r.kind === 'device').length === 6, 'devices');
    await fleet.assign('gw1', 'housing', 1);
    await waitFor(() => DEVICES.every((d) => site.active(d)?.version === 1), 'v1 everywhere');
  });
  afterEach(async () => {
    await site.close();
    await fleet.close();
    tmp.remove();
  });

  it('groups devices, pins a group, and a rollout skips the pinned devices, reports them, and finishes', async () => {
    expect((await outpost('group', 'add', 'lab', 'a1', 'a2', '--data-dir', dataDir)).exitCode).toBe(ExitCode.OK);
    expect((await outpost('group', 'add', 'north', 'a2', 'a3', '--data-dir', dataDir)).exitCode).toBe(ExitCode.OK);
    const ghost = await outpost('group', 'add', 'lab', 'ghost', '--data-dir', dataDir);
    expect(codeOf(ghost)).toBe(FleetErrorCodes.UNKNOWN_DEVICE);
    expect((await outpost('pin', 'lab', 'housing', '1', '--data-dir', dataDir)).exitCode).toBe(ExitCode.OK);
    const list = await outpost('group', 'list', '--json', '--data-dir', dataDir);
    expect(JSON.parse(list.stdout.join('\n'))).toEqual([
      { name: 'lab', devices: ['a1', 'a2'], pins: [expect.objectContaining({ model: 'housing', version: 1 })] },
      { name: 'north', devices: ['a2', 'a3'], pins: [] },
    ]);

    const start = await outpost(
      'rollout',
      'start',
      'housing',
      '2',
      '--site',
      'gw1',
      '--waves',
      '1,all',
      '--soak',
      '0s',
      '--timeout',
      '60s',
      '--data-dir',
      dataDir,
    );
    expect(start.stderr).toEqual([]);
    expect(start.exitCode).toBe(ExitCode.OK);
    const text = start.stdout.join('\n');
    expect(text).toMatch(/started campaign housing-v2-1: housing v2 in 2 waves \(1, 3 devices\), 2 skipped/);
    expect(text).toMatch(/campaign housing-v2-1: housing v2, done/);
    expect(text).toMatch(/wave 1: passed, 1 device; install-success 100% ok, smoke-failures 0 ok/);
    expect(text).toMatch(/skipped: a1 \(pinned: group lab pins v1\), a2 \(pinned: group lab pins v1\)/);
    expect(DEVICES.map((d) => site.active(d)?.version)).toEqual([1, 1, 2, 2, 2, 2]);

    const status = await outpost('rollout', 'status', 'housing-v2-1', '--json', '--data-dir', dataDir);
    const s = JSON.parse(status.stdout.join('\n')) as { state: string; waves: { devices: { state: string }[] }[] };
    expect(s.state).toBe('done');
    expect(s.waves.flatMap((w) => w.devices.map((d) => d.state))).toEqual([
      'converged',
      'converged',
      'converged',
      'converged',
    ]);
    const audit = await outpost('audit', '--json', '--data-dir', dataDir);
    const actions = (JSON.parse(audit.stdout.join('\n')) as { action: string }[]).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(['group.add', 'pin', 'campaign.start', 'campaign.wave-passed', 'campaign.done']),
    );
  });

  it('exits non-zero with a code when a canary fails its smoke test and the wave is rolled back', async () => {
    bad.add(2);
    const start = await outpost(
      'rollout',
      'start',
      'housing',
      '2',
      '--canary',
      'a4',
      '--on-fail',
      'rollback',
      '--timeout',
      '60s',
      '--data-dir',
      dataDir,
    );
    expect(start.exitCode).toBe(ExitCode.FAILURE);
    expect(codeOf(start)).toBe(FleetErrorCodes.CAMPAIGN_FAILED);
    expect(start.stdout.join('\n')).toMatch(
      /, rolled-back \(wave 1 failed its gates: .*smoke-failures 1 \(limit 0\)\)/,
    );
    expect(site.installs.filter((i) => i.version === 2).map((i) => i.device)).toEqual(['a4']);
  });

  it('pauses, resumes (waiting) and aborts; refuses what does not apply with codes', async () => {
    const start = await outpost(
      'rollout',
      'start',
      'housing',
      '2',
      '--waves',
      '2,all',
      '--soak',
      '1h',
      '--prediction-psi',
      '0.2',
      '--prediction-min-rows',
      '50',
      '--no-wait',
      '--data-dir',
      dataDir,
    );
    expect(start.exitCode).toBe(ExitCode.OK);
    expect(fleet.campaigns.get('housing-v2-1').gates).toMatchObject({ predictionPsiMax: 0.2, predictionMinRows: 50 });
    const negative = await outpost('rollout', 'start', 'housing', '3', '--prediction-psi', '-1', '--data-dir', dataDir);
    expect(negative.exitCode).toBe(ExitCode.USAGE);
    await waitFor(() => fleet.campaigns.get('housing-v2-1').state === 'soaking', 'wave 1 soaking');
    const pause = await outpost('rollout', 'pause', 'housing-v2-1', '--reason', 'looks odd', '--data-dir', dataDir);
    expect(pause.stdout).toEqual(['campaign housing-v2-1 is paused']);
    expect(fleet.campaigns.get('housing-v2-1')).toMatchObject({ state: 'paused', reason: 'looks odd' });
    const resume = await outpost('rollout', 'resume', 'housing-v2-1', '--timeout', '300ms', '--data-dir', dataDir);
    // Still soaking (an hour) when the wait runs out: not done, so not a success.
    expect(codeOf(resume)).toBe(FleetErrorCodes.CAMPAIGN_FAILED);
    expect(fleet.campaigns.get('housing-v2-1').state).toBe('soaking');
    expect((await outpost('rollout', 'abort', 'housing-v2-1', '--data-dir', dataDir)).exitCode).toBe(ExitCode.OK);
    expect(codeOf(await outpost('rollout', 'resume', 'housing-v2-1', '--data-dir', dataDir))).toBe(
      FleetErrorCodes.CAMPAIGN_STATE,
    );
    expect(codeOf(await outpost('rollout', 'pause', 'nope', '--data-dir', dataDir))).toBe(
      FleetErrorCodes.UNKNOWN_CAMPAIGN,
    );
    expect(
      codeOf(await outpost('rollout', 'start', 'housing', '3', '--site', 'gw1', '--group', 'x', '--data-dir', dataDir)),
    ).toBe(FleetErrorCodes.CAMPAIGN_INVALID);
    expect((await outpost('rollout', 'start', 'housing', '3', '--waves', '10%', '--data-dir', dataDir)).exitCode).toBe(
      ExitCode.FAILURE,
    );
    const listed = await outpost('rollout', 'status', '--data-dir', dataDir);
    expect(listed.stdout.join('\n')).toMatch(/housing-v2-1\s+housing v2\s+aborted\s+1\/2/);
    expect(site.installs.filter((i) => i.version === 2)).toHaveLength(2);
  });
});
