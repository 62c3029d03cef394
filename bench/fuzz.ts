/**
 * Fuzzes every boundary with ≥ 10,000 cases each: MQTT payloads
 * per message type, topics, signed manifests (only the signed content verifies), CLI option values, and POST /predict bodies over
 * real HTTP to a device serving a committed build. Prints cases, accepted, refusals by code, and
 * crashes (must be 0). The boundaries and their invariants are stack/fuzz/boundaries.ts.
 *
 *   npx tsx bench/fuzz.ts [--runs 10000] [--seed 1]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readArtifactFolder } from '@outpost/protocol/node';
import { createOrtNodeEngine, provisionModel, startDevice } from '@outpost/device';
import { startFleet } from '@outpost/fleet';
import { apiBoundary, apiRoutes } from '../stack/fuzz/api-boundary.ts';
import { cliBoundaries, manifestBoundary, messageBoundaries, topicBoundary } from '../stack/fuzz/boundaries.ts';
import { predictBoundary } from '../stack/fuzz/predict-boundary.ts';
import { runBoundary, type BoundaryReport } from '../stack/fuzz/run-boundary.ts';
import { numberArg } from './lib/args.ts';

const runs = numberArg('--runs', 10_000);
const seed = numberArg('--seed', 1);
const ROOT = join(import.meta.dirname, '..');

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}; ${runs} cases per boundary, seed ${seed}`,
);
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-fuzz-'));
const reports: BoundaryReport[] = [];
let failed = false;
try {
  const t0 = performance.now();
  for (const b of [...messageBoundaries, topicBoundary, manifestBoundary(), ...cliBoundaries])
    reports.push(await runBoundary(b as Parameters<typeof runBoundary>[0], runs, seed));
  const key = readFileSync(join(ROOT, 'firmware-models', 'signing.pub'), 'utf8');
  const engine = createOrtNodeEngine();
  const dataDir = join(dir, 'device');
  await provisionModel({
    dataDir,
    bundle: readArtifactFolder(join(ROOT, 'firmware-models', 'occupancy', '2')),
    publicKeyPem: key,
    engine,
  });
  const device = await startDevice({ id: 'fuzz', dataDir, brokerUrl: 'mqtt://127.0.0.1:9', publicKeyPem: key, engine });
  try {
    reports.push(
      await runBoundary(
        predictBoundary(() => device.httpUrl),
        runs,
        seed,
      ),
    );
  } finally {
    await device.close();
  }
  const fleet = await startFleet({ dataDir: join(dir, 'fleet'), port: 0, apiPort: 0, publicKeyPem: key });
  try {
    await fleet.registerArtifact(join(ROOT, 'firmware-models', 'housing', '1'));
    const url = fleet.apiUrl as string;
    const { token } = fleet.tokens.create({ name: 'fuzz', role: 'admin', at: new Date().toISOString() });
    reports.push(await runBoundary(apiBoundary(url, token, await apiRoutes(url)), runs, seed));
  } finally {
    await fleet.close();
  }
  console.log('boundary                        cases  accepted  refused (by code)');
  for (const r of reports) {
    const refused = Object.entries(r.refused)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code.replace('OUTPOST_ERR_', '')} ${n}`)
      .join(', ');
    console.log(`${r.name.padEnd(30)}${String(r.cases).padStart(7)}${String(r.accepted).padStart(10)}  ${refused}`);
    if (r.failure) {
      failed = true;
      console.log(`  CRASH: ${r.failure}`);
    }
  }
  console.log(`crashes: ${reports.filter((r) => r.failure).length}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
