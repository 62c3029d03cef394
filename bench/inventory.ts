/**
 * The inventory at 1,000 devices: a fleet.db with D devices behind G gateways, each having sent W
 * telemetry windows, then, timed in the same run:
 *   - `listDevices` as `outpost devices list` runs it (health by the bounded query on fleet.db),
 *   - the same with every window read (the inventory's computation before the bounded query),
 *   - `outpost devices list --json` in-process (opens fleet.db, lists, prints),
 *   - GET /api/v1/devices?limit=100 on a real fleet's API over loopback,
 * and the anchors: reading the device rows alone (`listReported`), a `SELECT count(*)` round trip,
 * and GET /api/v1/health (an HTTP round trip that reads nothing).
 *
 *   npx tsx bench/inventory.ts [--devices 1000] [--windows 100] [--gateways 10] [--runs 7]
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { LATENCY_BOUNDS_MS, generateSigningKeyPair, sha256Hex, type TelemetryWindow } from '@outpost/protocol';
import { runProgram } from '@outpost/protocol/node';
import {
  FLEET_DB_FILE,
  fleetCommands,
  healthReaderFor,
  listDevices,
  memoryHealthReader,
  openFleetDb,
  openSqliteStore,
  startFleet,
} from '@outpost/fleet';
import { median, percentile } from './lib/table.ts';
import { numberArg } from './lib/args.ts';

const DEVICES = numberArg('--devices', 1000);
const WINDOWS = numberArg('--windows', 100);
const GATEWAYS = numberArg('--gateways', 10);
const RUNS = numberArg('--runs', 7);
const ARTIFACT = sha256Hex('bench-artifact');
const T0 = Date.parse('2026-01-01T00:00:00Z');
const deviceId = (i: number): string => `dev-${String(i).padStart(5, '0')}`;
const gatewayOf = (i: number): string => `gw-${i % GATEWAYS}`;

function windowOf(d: number, seq: number): TelemetryWindow {
  const start = T0 + seq * 60_000;
  const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  counts[3 + ((d + seq) % 4)] = 100;
  const bins = Array.from({ length: 10 }, (_v, j) => 5 + ((d + seq + j) % 11));
  return {
    device: deviceId(d),
    gateway: gatewayOf(d),
    seq,
    model: 'housing',
    version: 1,
    artifactId: ARTIFACT,
    windowStart: new Date(start).toISOString(),
    windowEnd: new Date(start + 60_000).toISOString(),
    rows: 100,
    features: Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((f) => [f, { kind: 'numeric' as const, bins, missing: 0, outOfRange: 0 }]),
    ),
    predictions: { bins: bins.slice(0, 4), min: 0, max: 1, sum: 50 },
    latency: { counts, maxMs: 3 },
    errors: (d + seq) % 17 === 0 ? 2 : 0,
  };
}

async function time(fn: () => unknown): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-inventory-bench-'));
const dataDir = join(dir, 'fleet');
try {
  const db = openFleetDb(join(dataDir, FLEET_DB_FILE));
  const store = openSqliteStore(db);
  const at = new Date(T0 + WINDOWS * 60_000).toISOString();
  for (let g = 0; g < GATEWAYS; g++) {
    const devices = Array.from({ length: DEVICES }, (_v, i) => i)
      .filter((i) => i % GATEWAYS === g)
      .map(deviceId);
    store.putReported({
      source: `gw-${g}`,
      kind: 'gateway',
      revision: 1,
      at,
      status: 'converged',
      models: [],
      devices,
    });
    store.putDesired({
      target: `gw-${g}`,
      revision: 1,
      issuedAt: at,
      models: [{ name: 'housing', version: 1, artifactId: ARTIFACT }],
    });
  }
  for (let d = 0; d < DEVICES; d++) {
    store.putReported(
      {
        source: deviceId(d),
        kind: 'device',
        gateway: gatewayOf(d),
        revision: 1,
        at,
        status: 'converged',
        models: [{ name: 'housing', version: 1, artifactId: ARTIFACT, state: 'active' }],
      },
      at,
    );
  }
  const t0 = performance.now();
  for (let seq = 1; seq <= WINDOWS; seq++)
    for (let d = 0; d < DEVICES; d++) store.insertTelemetry(windowOf(d, seq), at);
  const fillS = (performance.now() - t0) / 1000;
  const now = T0 + WINDOWS * 60_000 + 1_000;

  const same =
    JSON.stringify(listDevices(store, now, 180_000, healthReaderFor(db))) ===
    JSON.stringify(listDevices(store, now, 180_000, memoryHealthReader(store)));
  const rows: [string, number[]][] = [];
  rows.push(['anchor: read the device rows', await time(() => store.listReported())]);
  rows.push(['anchor: SELECT count(*) round trip', await time(() => store.countTelemetry())]);
  rows.push(['devices list (bounded query)', await time(() => listDevices(store, now, 180_000, healthReaderFor(db)))]);
  rows.push([
    'devices list (every window: before)',
    await time(() => listDevices(store, now, 180_000, memoryHealthReader(store))),
  ]);
  store.close();
  db.close();

  const io = { out: () => undefined, err: (t: string) => process.stderr.write(`${t}\n`), setExitCode: () => undefined };
  const cli = async (): Promise<void> => {
    const root = new Command('outpost');
    for (const c of fleetCommands({ io, signals: new EventEmitter() })) root.addCommand(c);
    await runProgram(root, ['node', 'outpost', 'devices', 'list', '--json', '--data-dir', dataDir], io);
  };
  rows.push(['outpost devices list --json (in-process)', await time(cli)]);

  const keys = generateSigningKeyPair();
  const fleet = await startFleet({ dataDir, port: 0, apiPort: 0, publicKeyPem: keys.publicKeyPem });
  try {
    const token = fleet.tokens.create({ name: 'bench', role: 'viewer', at: new Date().toISOString() }).token;
    const get = async (path: string): Promise<void> => {
      const res = await fetch(`${fleet.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      await res.arrayBuffer();
    };
    rows.push(['anchor: GET /api/v1/health', await time(() => get('/api/v1/health'))]);
    rows.push(['GET /api/v1/devices?limit=100', await time(() => get('/api/v1/devices?limit=100'))]);
  } finally {
    await fleet.close();
  }

  console.log(
    `inventory: ${DEVICES} devices × ${WINDOWS} windows behind ${GATEWAYS} gateways (filled in ${fillS.toFixed(1)} s), ${RUNS} runs; load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const rowsAnchor = median(rows[0]?.[1] ?? []);
  const httpAnchor = median(rows.find((r) => r[0].includes('/health'))?.[1] ?? []);
  for (const [name, t] of rows) {
    const anchor = name.startsWith('GET') || name.includes('/health') ? httpAnchor : rowsAnchor;
    console.log(
      `${name.padEnd(42)} median ${median(t).toFixed(2).padStart(9)} ms   p95 ${percentile(t, 95)
        .toFixed(2)
        .padStart(9)} ms   ×anchor ${(median(t) / anchor).toFixed(1).padStart(7)}`,
    );
  }
  console.log(`bounded query and every-window figures identical: ${same ? 'yes' : 'NO'}`);
  console.log('×anchor: the device rows for the store and CLI lines, GET /api/v1/health for the API lines');
  if (!same) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
