import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LATENCY_BOUNDS_MS,
  MANIFEST_SCHEMA,
  artifactIdOf,
  generateSigningKeyPair,
  manifestBytes,
  sha256Hex,
  signManifest,
  type Manifest,
  type SigningKeyPair,
  type TelemetryWindow,
  type Transport,
  type UnsignedManifest,
} from '@outpost/protocol';
import { createMqttTransport, issueCredentials } from '@outpost/protocol/node';
import { openFleetCredentials } from '../src/identity/fleet-identity.ts';

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock frozen at a fixed instant (only `now` matters to the fleet). */
export const fixedClock = {
  now: () => Date.parse('2025-01-01T00:00:00Z'),
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn: () => void, ms: number) => setInterval(fn, ms),
  clearInterval: (h: unknown) => clearInterval(h as NodeJS.Timeout),
};

/** Reference: numeric `x` in 4 equal bins over edges [1,2,3]; `color` red/green 50/50; prediction 2 bins. */
export function fixtureManifest(
  name: string,
  version: number,
  files: { path: string; bytes: Buffer; role: 'model' | 'card' }[],
): UnsignedManifest {
  return {
    schema: MANIFEST_SCHEMA,
    name,
    version,
    parentVersion: version > 1 ? version - 1 : null,
    createdAt: '2025-01-01T00:00:00.000Z',
    task: 'regression',
    inputs: [
      { name: 'x', type: 'float', range: [0, 4] },
      { name: 'color', type: 'string', categories: ['red', 'green'] },
    ],
    outputs: [{ name: 'prediction', type: 'float', shape: [1] }],
    predictionOutput: 'prediction',
    files: files.map((f) => ({ path: f.path, role: f.role, bytes: f.bytes.byteLength, sha256: sha256Hex(f.bytes) })),
    metrics: { rmse: { metric: 'rmse', value: 1.5 } },
    trainingData: { fingerprint: sha256Hex('training'), rows: 1000, source: 'fixture' },
    golden: [{ inputs: { x: 1.5, color: 'red' }, outputs: { prediction: [3] } }],
    reference: {
      rows: 1000,
      features: {
        x: { kind: 'numeric', edges: [1, 2, 3], freqs: [0.25, 0.25, 0.25, 0.25], missing: 0 },
        color: { kind: 'categorical', categories: ['red', 'green'], freqs: [0.5, 0.5], missing: 0 },
      },
      prediction: { kind: 'numeric', edges: [0], freqs: [0.5, 0.5], missing: 0 },
    },
    trainer: { algorithm: 'fixture', seed: 1, params: {} },
  };
}

export interface FixtureArtifact {
  dir: string;
  artifactId: string;
  manifest: Manifest;
  modelBytes: Buffer;
}

/** Writes a signed artifact folder (manifest.json, model.onnx, card.md) under `root`. */
export function writeFixtureArtifact(
  root: string,
  keys: SigningKeyPair,
  name = 'housing',
  version = 1,
  modelSize = 200_000,
): FixtureArtifact {
  const modelBytes = Buffer.alloc(modelSize);
  for (let i = 0; i < modelSize; i++) modelBytes[i] = (i * 31 + version) & 0xff;
  const card = Buffer.from(`# ${name} v${version}\n`);
  const manifest = signManifest(
    fixtureManifest(name, version, [
      { path: 'model.onnx', bytes: modelBytes, role: 'model' },
      { path: 'card.md', bytes: card, role: 'card' },
    ]),
    keys,
  );
  const bytes = manifestBytes(manifest);
  const dir = join(root, `${name}-v${version}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), bytes);
  writeFileSync(join(dir, 'model.onnx'), modelBytes);
  writeFileSync(join(dir, 'card.md'), card);
  return { dir, artifactId: artifactIdOf(bytes), manifest, modelBytes };
}

export const newKeys = (): SigningKeyPair => generateSigningKeyPair();

/**
 * A telemetry window for the fixture reference. `x` gives the 4 numeric bin counts, `color` the
 * [red, green, unseen] counts, `pred` the 2 prediction bins.
 */
export function fixtureWindow(
  device: string,
  seq: number,
  opts: {
    model?: string;
    version?: number;
    artifactId?: string;
    x?: number[];
    color?: number[];
    pred?: number[];
    /** The gateway that relayed it (default gw1; null: none). */
    gateway?: string | null;
  } = {},
): TelemetryWindow {
  const x = opts.x ?? [25, 25, 25, 25];
  const color = opts.color ?? [50, 50, 0];
  const pred = opts.pred ?? [50, 50];
  const rows = x.reduce((a, b) => a + b, 0);
  return {
    device,
    ...(opts.gateway === null ? {} : { gateway: opts.gateway ?? 'gw1' }),
    seq,
    model: opts.model ?? 'housing',
    version: opts.version ?? 1,
    artifactId: opts.artifactId ?? sha256Hex('artifact'),
    windowStart: '2025-01-01T00:00:00.000Z',
    windowEnd: '2025-01-01T00:01:00.000Z',
    rows,
    features: {
      x: { kind: 'numeric', bins: x, missing: 0, outOfRange: 0 },
      color: { kind: 'categorical', counts: [color[0] ?? 0, color[1] ?? 0], missing: 0, unseen: color[2] ?? 0 },
    },
    predictions: { bins: pred, min: -1, max: 1, sum: 0 },
    latency: { counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0), maxMs: 0.5 },
    errors: 0,
  };
}

/**
 * A transport on the fleet broker acting as gateway `gatewayId` (client id `gw-<id>`), with
 * credentials issued into the fleet's credential store in `fleetDataDir`, as `outpost enroll` would
 * obtain them (docs/SECURITY.md "Identity"). Not started.
 */
export function gatewayTransport(
  fleetDataDir: string,
  url: string,
  gatewayId: string,
  opts: { clean?: boolean } = {},
): Transport {
  const { store } = openFleetCredentials(fleetDataDir);
  try {
    const creds = issueCredentials(store, gatewayId, Date.now());
    return createMqttTransport({ url, clientId: `gw-${gatewayId}`, clean: opts.clean ?? true, ...creds });
  } finally {
    store.close();
  }
}

/**
 * Makes files or folders refuse writes for real, even to a process that has them open: the
 * immutable attribute (chattr +i) when running as root, whom file modes do not stop; read-only
 * modes otherwise. Returns the undo.
 */
export function makeReadOnly(paths: string[]): () => void {
  const root = process.getuid?.() === 0;
  const existing = paths.filter((p) => existsSync(p));
  if (root) execFileSync('chattr', ['+i', ...existing]);
  else for (const p of existing) chmodSync(p, statSync(p).isDirectory() ? 0o555 : 0o444);
  return () => {
    if (root) execFileSync('chattr', ['-i', ...existing]);
    else for (const p of existing) chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
  };
}
