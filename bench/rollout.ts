/**
 * Rolling a model out to a simulated fleet (docs/OPERATIONS.md "Simulated fleet"): the fleet in
 * this process (so its RSS and the artifact bytes it serves are measured here), and `outpost sim`
 * as a child process: G real gateways and N simulated devices that verify signed intent and pull
 * verified artifacts through their gateway.
 *
 * 1. Time to 100%: an artifact of `--artifact-bytes` assigned site-wide on every gateway, from the
 *    first assignment until every device reports it active; median and p95 over `--runs` versions,
 *    at N devices and at the anchor N/10 (a fleet of its own), and the ratio T(N)/T(N/10) (goal ≤ 10).
 * 2. Artifact bytes the fleet sent to gateways (its server's count) against one copy per gateway.
 * 3. At N devices: the fleet's RSS; gateways and devices the fleet sees online.
 * 4. A campaign (1%,10%,50%,100%, rollback on failure) of a version every device fails to
 *    smoke-test: it must halt at wave 1 and roll it back, no device outside wave 1 touched (no
 *    assignment of it, no report of it).
 *
 *   npx tsx bench/rollout.ts [--devices 1000] [--gateways 10] [--artifact-bytes 1048576] [--runs 3]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { assignmentFor, generateSigningKeyPair, type SigningKeyPair } from '@outpost/protocol';
import { parseWaves, startFleet, type Fleet } from '@outpost/fleet';
import { writeSimArtifact } from '../stack/sim/artifact.ts';
import { kill, spawnTier, waitForOutput, type Tier } from '../stack/processes.ts';
import { median, percentile } from './lib/table.ts';
import { numberArg } from './lib/args.ts';

const N = numberArg('--devices', 1000);
const G = numberArg('--gateways', 10);
const BYTES = numberArg('--artifact-bytes', 1_048_576);
const RUNS = numberArg('--runs', 3);
const progress = (line: string): void => {
  process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${line}\n`);
};

async function until(what: string, check: () => boolean, timeoutMs: number, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

interface Setup {
  root: string;
  keys: SigningKeyPair;
  fleet: Fleet;
  sim: Tier;
  gateways: string[];
  close(): Promise<void>;
}

const deviceReports = (fleet: Fleet) => fleet.store.listReported().filter((r) => r.kind === 'device');
const activeVersion = (fleet: Fleet, version: number): number =>
  deviceReports(fleet).filter(
    (r) => r.status !== 'offline' && r.models.some((m) => m.state === 'active' && m.version === version),
  ).length;

async function setup(devices: number, badVersion: number): Promise<Setup> {
  const root = mkdtempSync(join(tmpdir(), 'outpost-bench-rollout-'));
  const logs = join(root, 'logs');
  mkdirSync(logs, { recursive: true });
  const keys = generateSigningKeyPair();
  const dataDir = join(root, 'fleet');
  mkdirSync(join(dataDir, 'keys'), { recursive: true });
  writeFileSync(join(dataDir, 'keys', 'signing.pub'), keys.publicKeyPem);
  const fleet = await startFleet({ dataDir, port: 0, publicKeyPem: keys.publicKeyPem, campaigns: { pollMs: 500 } });
  const sim = spawnTier(
    'sim',
    [
      'sim',
      '--gateways',
      String(G),
      '--devices',
      String(devices),
      '--fault',
      'bad-model',
      '--bad-version',
      String(badVersion),
      '--fleet-data-dir',
      dataDir,
      '--broker',
      fleet.brokerUrl,
      '--data-dir',
      join(root, 'sim'),
      '--heartbeat-ms',
      '30000',
    ],
    logs,
  );
  await waitForOutput(sim, /^sim: .* connected/m, 600_000);
  await until(`${devices} devices known`, () => deviceReports(fleet).length === devices, 300_000, 200);
  const gateways = [...new Set(deviceReports(fleet).map((r) => r.gateway as string))].sort();
  progress(`${devices} devices behind ${gateways.length} gateways known to the fleet`);
  return {
    root,
    keys,
    fleet,
    sim,
    gateways,
    async close() {
      await kill(sim, 'SIGTERM');
      await fleet.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function register(s: Setup, version: number): Promise<void> {
  await s.fleet.registerArtifact(writeSimArtifact(s.root, s.keys, { name: 'bench', version, modelBytes: BYTES }).dir);
}

/** Seconds from the first assignment until every device reports `version` active. */
async function rollOut(s: Setup, devices: number, version: number): Promise<number> {
  await register(s, version);
  const started = Date.now();
  for (const g of s.gateways) await s.fleet.assign(g, 'bench', version, undefined, { actor: 'bench' });
  await until(`every device on v${version}`, () => activeVersion(s.fleet, version) === devices, 1_800_000);
  return (Date.now() - started) / 1000;
}

async function timed(devices: number): Promise<{ times: number[]; setup: Setup }> {
  const s = await setup(devices, RUNS + 1);
  const times: number[] = [];
  for (let v = 1; v <= RUNS; v++) {
    times.push(await rollOut(s, devices, v));
    progress(`v${v} on ${devices} devices in ${times.at(-1)?.toFixed(2)} s`);
  }
  return { times, setup: s };
}

const fmt = (xs: number[]): string => `median ${median(xs).toFixed(2)} s, p95 ${percentile(xs, 95).toFixed(2)} s`;
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

console.log(`bench/rollout: ${N} devices behind ${G} gateways, artifact ${BYTES} bytes, ${RUNS} runs; load ${load()}`);
const anchorN = Math.max(G, Math.round(N / 10));
const anchor = await timed(anchorN);
await anchor.setup.close();
console.log(`T(${anchorN}) to 100%: ${fmt(anchor.times)}`);

const big = await timed(N);
const s = big.setup;
try {
  console.log(`T(${N}) to 100%: ${fmt(big.times)}`);
  console.log(`T(${N})/T(${anchorN}): ${(median(big.times) / median(anchor.times)).toFixed(2)} (goal ≤ 10)`);
  const served = Object.values(s.fleet.stats().artifactBytesServed).reduce((a, b) => a + b, 0);
  const once = (BYTES + 0) * s.gateways.length * RUNS;
  console.log(
    `artifact bytes sent by the fleet: ${served} for ${RUNS} version(s) of ${BYTES} model bytes to ${s.gateways.length} gateways (one copy each: ${once} + manifests and cards; ratio ${(served / once).toFixed(3)})`,
  );
  const replies = s.fleet.stats().artifactReplies;
  console.log(
    `fleet chunk replies to gateways: at most ${replies.peakInFlight} in flight and ${replies.peakQueued} queued at once, ${replies.refused} refused as busy`,
  );
  const reports = s.fleet.store.listReported();
  console.log(
    `fleet RSS at ${N} devices: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB (this process: the fleet and the bench); ` +
      `online: ${reports.filter((r) => r.kind === 'gateway' && r.status !== 'offline').length} gateways on the fleet broker, ` +
      `${reports.filter((r) => r.kind === 'device' && r.status !== 'offline').length} devices on the site brokers`,
  );

  // The bad model: a campaign halts at wave 1 and rolls it back.
  const bad = RUNS + 1;
  await register(s, bad);
  const started = Date.now();
  const c = s.fleet.campaigns.create(
    {
      model: 'bench',
      version: bad,
      target: { kind: 'fleet' },
      steps: parseWaves('1%,10%,50%,100%'),
      onFail: 'rollback',
    },
    { actor: 'bench' },
  );
  await until(
    'the campaign to end',
    () => ['rolled-back', 'paused', 'done', 'aborted'].includes(s.fleet.campaigns.get(c.id).state),
    600_000,
  );
  const end = s.fleet.campaigns.get(c.id);
  const wave1 = new Set(end.waves[0]?.devices.map((d) => d.device));
  await until(
    'wave 1 back on the previous version',
    () => s.fleet.campaigns.status(c.id).waves[0]?.devices.every((d) => d.state === 'converged') ?? false,
    300_000,
  );
  const halted = (Date.now() - started) / 1000;
  const reportedBad = deviceReports(s.fleet)
    .filter((r) => r.models.some((m) => m.version === bad))
    .map((r) => r.source);
  const assignedBad = s.gateways.flatMap((g) => {
    const d = s.fleet.store.getDesired(g);
    return d
      ? deviceReports(s.fleet)
          .filter((r) => r.gateway === g && assignmentFor(d, r.source)?.version === bad)
          .map((r) => r.source)
      : [];
  });
  const engineAssigned = s.fleet.store
    .audit({ action: 'assign' })
    .filter((a) => a.version === bad)
    .flatMap((a) => (a.details?.devices as string[] | undefined) ?? []);
  const outside = [...reportedBad, ...assignedBad, ...engineAssigned].filter((d) => !wave1.has(d));
  console.log(
    `bad model campaign: ${end.state} at wave ${end.current + 1} of ${end.waves.length}, back on v${RUNS} after ${halted.toFixed(1)} s; ` +
      `wave 1 ${wave1.size} devices; assigned the bad version ${new Set(engineAssigned).size}, still assigned it ${assignedBad.length}, outside wave 1 touched ${new Set(outside).size}`,
  );
  console.log(`load ${load()}`);
  if (end.state !== 'rolled-back' || end.current !== 0 || outside.length > 0) process.exitCode = 1;
} finally {
  await s.close();
}
