/**
 * What it costs the gateway to check a cached artifact file before serving a chunk of it
 * (docs/SECURITY.md "Gateway cache"). The artifact server reads the whole file for every chunk
 * request, so the check runs once per chunk. Three ways, per `serve` call, for several file sizes:
 *
 *   anchor   readFile only (what the cache did before: sizes checked once, bytes never hashed)
 *   rehash   the real cache with reverifyMs 0: readFile + a full sha256 on every request
 *   memo     the real cache as shipped: open, fstat, read, fstat; the full sha256 only when the
 *            stat identity (dev, ino, size, mtime, ctime) changed or the last check is older than
 *            reverifyMs (60 s by default)
 *
 * Median and p95 (nearest rank) per request in milliseconds, ratio to the anchor's median, and the
 * cost of serving a whole file in 64 KiB chunks (chunks × median).
 *
 *   npx tsx bench/artifact-cache-verify.ts [--sizes 65536,1048576,16777216] [--runs 200]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  generateSigningKeyPair,
  manifestBytes,
  sha256Hex,
  signManifest,
  type UnsignedManifest,
} from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { createArtifactCache, createMemoryStore } from '@outpost/gateway';
import { timeRuns, type Timing } from './lib/table.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const sizes = arg('sizes', '65536,1048576,16777216').split(',').map(Number);
const runs = Number(arg('runs', '200'));
const CHUNK = 64 * 1024;
const keys = generateSigningKeyPair();

function manifestFor(model: Buffer): Buffer {
  const unsigned: UnsignedManifest = {
    schema: 'outpost.manifest/1',
    name: 'bench',
    version: 1,
    parentVersion: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    task: 'regression',
    inputs: [{ name: 'x', type: 'float' }],
    outputs: [{ name: 'prediction', type: 'float', shape: [1] }],
    predictionOutput: 'prediction',
    files: [{ path: 'model.onnx', role: 'model', bytes: model.byteLength, sha256: sha256Hex(model) }],
    metrics: {},
    trainingData: { fingerprint: sha256Hex('rows'), rows: 1, source: 'bench' },
    golden: [{ inputs: { x: 1 }, outputs: { prediction: [1] } }],
    reference: {
      rows: 1,
      features: { x: { kind: 'numeric', edges: [0], freqs: [0.5, 0.5], missing: 0 } },
      prediction: { kind: 'numeric', edges: [0], freqs: [0.5, 0.5], missing: 0 },
    },
    trainer: { algorithm: 'bench', seed: 1, params: {} },
  };
  return manifestBytes(signManifest(unsigned, keys));
}

async function cacheWith(dataDir: string, artifactId: string, reverifyMs: number) {
  const store = createMemoryStore();
  store.putArtifact({ artifactId, name: 'bench', version: 1, fetchedAt: 0 });
  // Never started: the bench serves from disk only.
  const upstream = createMqttTransport({ url: 'mqtt://127.0.0.1:1', clientId: 'bench' });
  const cache = await createArtifactCache({
    dataDir,
    store,
    upstream,
    gatewayId: 'bench',
    publicKeyPem: keys.publicKeyPem,
    reverifyMs,
  });
  return { cache, close: () => upstream.close() };
}

const ms = (s: number): string => (s * 1000).toFixed(3);

async function main(): Promise<void> {
  const [l1, l5] = loadavg();
  console.log(
    `# artifact cache: check before serving — ${cpus().length} cores, load ${l1?.toFixed(2)} ${l5?.toFixed(2)}`,
  );
  console.log(`# ${runs} timed requests per row (10 warm-up); times per request in ms\n`);
  console.log('| file | way | median | p95 | ratio | whole file in 64 KiB chunks |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const size of sizes) {
    const dataDir = mkdtempSync(join(tmpdir(), 'outpost-bench-cache-'));
    try {
      const model = randomBytes(size);
      const mBytes = manifestFor(model);
      const artifactId = sha256Hex(mBytes);
      const dir = join(dataDir, 'artifacts', artifactId);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, MANIFEST_FILE), mBytes);
      writeFileSync(join(dir, 'model.onnx'), model);
      const path = join(dir, 'model.onnx');
      const chunks = Math.max(1, Math.ceil(size / CHUNK));

      const rows: [string, Timing][] = [];
      rows.push(['anchor (readFile)', await timeRuns(() => readFile(path), runs, { warmup: 10 })]);
      for (const [way, reverifyMs] of [
        ['rehash every request', 0],
        ['stat-memo (shipped)', 60_000],
      ] as const) {
        const { cache, close } = await cacheWith(dataDir, artifactId, reverifyMs);
        const t = await timeRuns(
          async () => {
            if (!(await cache.serve(artifactId, 'model.onnx'))) throw new Error('not served');
          },
          runs,
          { warmup: 10 },
        );
        await close();
        rows.push([way, t]);
      }
      const anchor = rows[0]?.[1].median as number;
      for (const [way, t] of rows) {
        console.log(
          `| ${(size / 1024).toFixed(0)} KiB | ${way} | ${ms(t.median)} | ${ms(t.p95)} | ${(t.median / anchor).toFixed(2)} | ${ms(t.median * chunks)} ms (${chunks} chunks) |`,
        );
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

void main();
