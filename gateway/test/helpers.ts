import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  LATENCY_BOUNDS_MS,
  createReceiptBatcher,
  encode,
  generateSigningKeyPair,
  manifestBytes,
  sha256Hex,
  assignmentFor,
  signDesiredState,
  signManifest,
  silentLogger,
  systemClock,
  parseTopic,
  topics,
  type DesiredState,
  type ReceiptItem,
  type ReportedState,
  type SigningKeyPair,
  type TelemetryWindow,
  type Transport,
  type UnsignedManifest,
} from '@outpost/protocol';
import { createMqttTransport, issueCredentials, serveArtifacts } from '@outpost/protocol/node';
import { openGatewayCredentials } from '../src/identity/gateway-identity.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';

/** Everything a test opens, closed in reverse order by `closeAll`. */
export class Resources {
  private readonly items: { close(): Promise<void> | void }[] = [];
  add<T extends { close(): Promise<void> | void }>(item: T): T {
    this.items.push(item);
    return item;
  }
  async closeAll(): Promise<void> {
    for (const item of this.items.splice(0).reverse()) await item.close();
  }
}

export function tempDir(res: Resources): string {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-'));
  res.add({ close: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

export interface FixtureArtifact {
  artifactId: string;
  dir: string;
  name: string;
  version: number;
  model: Buffer;
}

/** A signed artifact folder: manifest.json, model.onnx (random bytes) and card.md. */
export function buildArtifact(
  root: string,
  keys: SigningKeyPair,
  opts: { name: string; version: number; modelBytes: number },
): FixtureArtifact {
  const model = randomBytes(opts.modelBytes);
  const card = Buffer.from(`# ${opts.name} v${opts.version}\n`);
  const unsigned: UnsignedManifest = {
    schema: 'outpost.manifest/1',
    name: opts.name,
    version: opts.version,
    parentVersion: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    task: 'regression',
    inputs: [{ name: 'x', type: 'float', range: [0, 10] }],
    outputs: [{ name: 'prediction', type: 'float', shape: [1] }],
    predictionOutput: 'prediction',
    files: [
      { path: 'model.onnx', role: 'model', bytes: model.byteLength, sha256: sha256Hex(model) },
      { path: 'card.md', role: 'card', bytes: card.byteLength, sha256: sha256Hex(card) },
    ],
    metrics: {},
    trainingData: { fingerprint: sha256Hex('rows'), rows: 10, source: 'test' },
    golden: [{ inputs: { x: 1 }, outputs: { prediction: [2] } }],
    reference: {
      rows: 10,
      features: { x: { kind: 'numeric', edges: [2, 5], freqs: [0.2, 0.3, 0.5], missing: 0 } },
      prediction: { kind: 'numeric', edges: [1], freqs: [0.5, 0.5], missing: 0 },
    },
    trainer: { algorithm: 'fixture', seed: 1, params: {} },
  };
  const bytes = manifestBytes(signManifest(unsigned, keys));
  const artifactId = sha256Hex(bytes);
  const dir = join(root, artifactId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MANIFEST_FILE), bytes);
  writeFileSync(join(dir, 'model.onnx'), model);
  writeFileSync(join(dir, 'card.md'), card);
  return { artifactId, dir, name: opts.name, version: opts.version, model };
}

/** The fleet side: a real broker, an artifact server over a folder of artifacts, counting reads. */
export interface Fleet {
  broker: EmbeddedBroker;
  transport: Transport;
  /** Reads per `<artifactId>/<file>` (one per chunk served). */
  reads: Map<string, number>;
  /** Receipts the gateways' relayed messages, as the fleet does once it stored them (default on). */
  receipting: boolean;
  close(): Promise<void>;
}

export async function startFleet(artifactsRoot: string, port = 0): Promise<Fleet> {
  const broker = await startEmbeddedBroker({ port });
  const transport = createMqttTransport({
    url: broker.url,
    clientId: `fleet-${port}-${randomBytes(3).toString('hex')}`,
    reconnectPeriodMs: 100,
  });
  const reads = new Map<string, number>();
  await serveArtifacts({
    transport,
    kind: 'gateways',
    read: async (artifactId, file) => {
      const key = `${artifactId}/${file}`;
      reads.set(key, (reads.get(key) ?? 0) + 1);
      try {
        return readFileSync(join(artifactsRoot, artifactId, file));
      } catch {
        return undefined;
      }
    },
  });
  // Stands in for the fleet's ingestion: every relayed message is "stored" and receipted to its gateway.
  const receipts = createReceiptBatcher({ from: 'fleet', transport, clock: systemClock, logger: silentLogger });
  const receiptOf = (leaf: string, v: Record<string, unknown>): ReceiptItem =>
    leaf === 'telemetry'
      ? { kind: 'telemetry', device: String(v.device), seq: Number(v.seq), outcome: 'stored' }
      : leaf === 'labels'
        ? { kind: 'label', device: String(v.device), predictionId: String(v.predictionId), outcome: 'stored' }
        : { kind: 'reported', source: String(v.source), at: String(v.at), outcome: 'stored' };
  for (const leaf of ['telemetry', 'labels', 'reported'] as const) {
    await transport.route(topics.all('devices', leaf), (_topic, payload) => {
      const v = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (fleet.receipting && typeof v.gateway === 'string')
        receipts.add(topics.gateway(v.gateway, 'acks'), receiptOf(leaf, v));
    });
  }
  await routeRelayedWindows(transport, (w, gatewayId) => {
    if (fleet.receipting) receipts.add(topics.gateway(gatewayId, 'acks'), receiptOf('telemetry', w));
  });
  await transport.start();
  const fleet: Fleet = {
    broker,
    transport,
    reads,
    receipting: true,
    async close() {
      receipts.stop();
      await transport.close();
      await broker.close();
    },
  };
  return fleet;
}

/** The fleet's intent key in these tests: desired states are signed with it, gateways get its public half. */
export const FLEET_INTENT_KEYS = generateSigningKeyPair();

/** A desired state signed with the tests' fleet intent key. */
export function desiredFor(gatewayId: string, revision: number, models: DesiredState['models']): DesiredState {
  return signDesiredState(
    { target: gatewayId, revision, issuedAt: '2026-02-01T10:00:00.000Z', models },
    FLEET_INTENT_KEYS,
  );
}

/**
 * A device client that answers every desired state it is sent with a converged report naming the
 * artifact assigned to it (what a real device does once it has installed it).
 */
export async function convergingDevice(
  res: Resources,
  url: string,
  gatewayDataDir: string,
  deviceId: string,
): Promise<Transport> {
  const t = res.add(deviceTransport(url, gatewayDataDir, deviceId));
  await t.route(topics.device(deviceId, 'desired'), (_topic, payload) => {
    const desired = JSON.parse(payload.toString()) as DesiredState;
    const a = assignmentFor(desired, deviceId);
    const report: ReportedState = {
      source: deviceId,
      kind: 'device',
      revision: desired.revision,
      at: '2026-02-01T10:00:00.000Z',
      status: 'converged',
      models: a ? [{ name: a.name, version: a.version, artifactId: a.artifactId, state: 'active' }] : [],
    };
    void t.publish(topics.device(deviceId, 'reported'), encode(report), { qos: 1, retain: true });
  });
  await t.start();
  await t.publish(topics.device(deviceId, 'reported'), encode(deviceReport(deviceId)), { qos: 1, retain: true });
  return t;
}

export function deviceReport(deviceId: string): ReportedState {
  return { source: deviceId, kind: 'device', revision: -1, at: '2026-02-01T10:00:00.000Z', status: 'idle', models: [] };
}

export function telemetry(device: string, seq: number, artifactId: string): TelemetryWindow {
  return {
    device,
    seq,
    model: 'fixture',
    version: 1,
    artifactId,
    windowStart: '2026-02-01T10:00:00.000Z',
    windowEnd: '2026-02-01T10:01:00.000Z',
    rows: 3,
    features: { x: { kind: 'numeric', bins: [1, 1, 1], missing: 0, outOfRange: 0 } },
    predictions: { bins: [2, 1], min: 0.5, max: 3, sum: 4 },
    latency: {
      counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0).map((_, i) => (i === 2 ? 3 : 0)),
      maxMs: 0.4,
    },
    errors: 0,
  };
}

/** A client on a broker, started, closed by `res`. */
export async function client(res: Resources, url: string, clientId: string): Promise<Transport> {
  const t = res.add(createMqttTransport({ url, clientId, clean: true, reconnectPeriodMs: 100 }));
  await t.start();
  return t;
}

const issued = new Map<string, { username: string; password: string }>();

/**
 * Device `deviceId`'s credentials at the gateway whose data dir is `gatewayDataDir`, issued into its
 * credential store as enrolment would (docs/SECURITY.md "Identity"); the same ones on later calls.
 */
export function deviceCredentials(gatewayDataDir: string, deviceId: string): { username: string; password: string } {
  const key = `${gatewayDataDir}\0${deviceId}`;
  let creds = issued.get(key);
  if (!creds) {
    const store = openGatewayCredentials(gatewayDataDir);
    try {
      creds = issueCredentials(store, deviceId, Date.now());
    } finally {
      store.close();
    }
    issued.set(key, creds);
  }
  return creds;
}

/** A transport on a gateway's site broker as device `deviceId` (client id `dev-<id>`), not started. */
export function deviceTransport(url: string, gatewayDataDir: string, deviceId: string): Transport {
  return createMqttTransport({
    url,
    clientId: `dev-${deviceId}`,
    clean: true,
    reconnectPeriodMs: 100,
    ...deviceCredentials(gatewayDataDir, deviceId),
  });
}

/** A device client on a gateway's site broker, enrolled, started, closed by `res`. */
export async function deviceClient(
  res: Resources,
  url: string,
  gatewayDataDir: string,
  deviceId: string,
): Promise<Transport> {
  const t = res.add(deviceTransport(url, gatewayDataDir, deviceId));
  await t.start();
  return t;
}

/** The windows of a batch a gateway relayed on its own telemetry topic, and that gateway. */
export function relayedWindows(topic: string, payload: Buffer): { gateway: string; windows: TelemetryWindow[] } {
  const { kind, id, leaf } = parseTopic(topic);
  if (kind !== 'gateways' || leaf !== 'telemetry') throw new Error(`not a relayed batch: ${topic}`);
  return { gateway: id, windows: (JSON.parse(payload.toString()) as { windows: TelemetryWindow[] }).windows };
}

/** Calls `fn` with each window every gateway relays (as the fleet's ingestion receives them). */
export async function routeRelayedWindows(
  t: Transport,
  fn: (w: TelemetryWindow & Record<string, unknown>, gatewayId: string) => void,
): Promise<void> {
  await t.route(topics.all('gateways', 'telemetry'), (topic, payload) => {
    const { gateway, windows } = relayedWindows(topic, payload);
    for (const w of windows) fn(w as TelemetryWindow & Record<string, unknown>, gateway);
  });
}

/** Collects every message on a filter. */
export async function collect(t: Transport, filter: string): Promise<{ topic: string; value: unknown }[]> {
  const got: { topic: string; value: unknown }[] = [];
  await t.route(filter, (topic, payload) => {
    got.push({ topic, value: JSON.parse(payload.toString()) as unknown });
  });
  return got;
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Resolves once a message `t` publishes to itself comes back: the broker forwards to a client in
 * order, so whatever it forwarded to `t` before (another client's retained desired state, say) has
 * been handled by then. Lets a test check that something did NOT arrive without sleeping. A device
 * on a site broker may publish only on its own topics, so its round trip goes through the gateway:
 * an artifact request for an artifact it is not assigned, which the gateway answers with an error.
 */
export async function roundTrip(t: Transport): Promise<void> {
  const requestId = `round-trip-${++roundTrips}`;
  let back = false;
  if (t.clientId.startsWith('dev-')) {
    const deviceId = t.clientId.slice('dev-'.length);
    await t.route(topics.device(deviceId, 'artifactChunk'), (_topic, payload) => {
      if ((JSON.parse(payload.toString()) as { requestId?: string }).requestId === requestId) back = true;
    });
    const request = { requestId, artifactId: 'f'.repeat(64), file: 'manifest.json', index: 0, chunkBytes: 1024 };
    await t.publish(topics.device(deviceId, 'artifactRequest'), encode(request), { qos: 1 });
    await waitFor(`round trip of ${requestId}`, () => back);
    return;
  }
  const topic = `test/round-trip/${t.clientId}/${roundTrips}`;
  await t.route(topic, () => {
    back = true;
  });
  await t.publish(topic, 'ping', { qos: 1 });
  await waitFor(`round trip of ${topic}`, () => back);
}
let roundTrips = 0;

export async function publishDesired(t: Transport, desired: DesiredState): Promise<void> {
  await t.publish(topics.gateway(desired.target, 'desired'), encode(desired), { qos: 1, retain: true });
}

/** A port nothing listens on (a broker started and closed). */
export async function closedPort(): Promise<number> {
  const b = await startEmbeddedBroker({ port: 0 });
  const port = b.port;
  await b.close();
  return port;
}

export { generateSigningKeyPair };
