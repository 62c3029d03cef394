/**
 * Soak bench: N simulated devices × 1 telemetry window per second, through G gateways (real
 * `outpost gateway` processes) into the fleet (a real `outpost fleet` process), for T minutes.
 * Reports each tier's RSS at the start (after a warm-up) and at the end, and windows created vs
 * stored at the fleet: 0 lost, 0 duplicated.
 *
 *   npx tsx bench/soak.ts [--devices 1000] [--gateways 4] [--minutes 10] [--warmup-s 20]
 *
 * Every node is enrolled (docs/SECURITY.md "Identity"): each gateway redeems a one-time token at the
 * fleet's enrol endpoint through the CLI; the devices' credentials are issued straight into each
 * gateway's credential store before the gateway starts (the same `issueCredentials` the enrol
 * endpoint calls — 1,000 HTTP enrolments would only measure scrypt).
 *
 * The devices are a stand-in, many in this one process: each is its own MQTT client (client id
 * `dev-<id>`, its own user name and password) speaking the real protocol — a `TelemetryWindow` with an increasing seq on its
 * `telemetry` topic, QoS 1, kept until the gateway's receipt on its `acks` topic and re-sent after
 * 5 s without one — but with no model execution (the window's counts are synthetic) and an
 * in-memory outbox instead of files. What it measures is the gateways and the fleet.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LATENCY_BOUNDS_MS,
  Receipt,
  decode,
  encode,
  topics,
  type TelemetryWindow,
  type Transport,
} from '@outpost/protocol';
import { createMqttTransport, issueCredentials } from '@outpost/protocol/node';
import { FLEET_DB_FILE, openSqliteStore } from '@outpost/fleet';
import { openGatewayCredentials } from '@outpost/gateway';
import { RELEASE_PUBLIC_KEY, loadStackModel } from '../stack/model.ts';
import { enrollViaCli, freePort, kill, sleep, spawnTier, waitForOutput, type Tier } from '../stack/processes.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

const DEVICES = arg('--devices', 1000);
const GATEWAYS = arg('--gateways', 4);
const MINUTES = arg('--minutes', 10);
const WARMUP_S = arg('--warmup-s', 20);
const RESEND_MS = 5000;

function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const model = await loadStackModel();
const { manifest, artifactId } = model;

/** A window as a device would send it, with synthetic counts over the manifest's reference. */
function windowOf(device: string, seq: number): TelemetryWindow {
  const features: TelemetryWindow['features'] = {};
  for (const input of manifest.inputs) {
    const ref = manifest.reference.features[input.name];
    const k = ref?.kind === 'numeric' ? ref.edges.length + 1 : 10;
    features[input.name] = {
      kind: 'numeric',
      bins: Array.from({ length: k }, (_v, i) => (seq + i) % 5),
      missing: 0,
      outOfRange: 0,
    };
  }
  const predBins = manifest.reference.prediction.edges.length + 1;
  const now = Date.now();
  return {
    device,
    seq,
    model: manifest.name,
    version: manifest.version,
    artifactId,
    windowStart: new Date(now - 1000).toISOString(),
    windowEnd: new Date(now).toISOString(),
    rows: 10,
    features,
    predictions: { bins: Array.from({ length: predBins }, () => 1), min: 0, max: 1, sum: 5 },
    latency: { counts: Array.from({ length: LATENCY_BOUNDS_MS.length + 1 }, () => 0), maxMs: 0.2 },
    errors: 0,
  };
}

interface SimDevice {
  id: string;
  transport: Transport;
  seq: number;
  /** seq → [payload, due time of the next re-send]. */
  outbox: Map<number, [Buffer, number]>;
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-soak-'));
let running = true;
/** A tier that dies during the run is a finding: say so at once, with the end of its log. */
function watch(tier: Tier): Tier {
  void tier.exited.then((code) => {
    if (running)
      console.error(
        `${tier.name} DIED (exit ${code}, signal ${tier.child.signalCode ?? '-'}); its log ends:\n${tier.output().slice(-4000)}`,
      );
  });
  return tier;
}
const tiers: Tier[] = [];
const sims: SimDevice[] = [];
let fleetStore: ReturnType<typeof openSqliteStore> | undefined;
try {
  const [fleetPort, enrollPort] = [await freePort(), await freePort()];
  const fleetDir = join(dir, 'fleet');
  const fleet = spawnTier(
    'fleet',
    [
      'fleet',
      '--data-dir',
      fleetDir,
      '--port',
      String(fleetPort),
      '--enroll-port',
      String(enrollPort),
      '--public-key',
      RELEASE_PUBLIC_KEY,
    ],
    dir,
  );
  tiers.push(watch(fleet));
  await waitForOutput(fleet, /mqtt:\/\//, 60_000);
  const gatewayUrls: string[] = [];
  const gateways: Tier[] = [];
  const deviceIds = Array.from({ length: DEVICES }, (_v, i) => `soak-${String(i + 1).padStart(5, '0')}`);
  const passwords = new Map<string, string>();
  for (let g = 0; g < GATEWAYS; g++) {
    const port = await freePort();
    const gatewayDir = join(dir, `gateway-${g + 1}`);
    await enrollViaCli({
      kind: 'gateway',
      id: `site-${g + 1}`,
      servingDataDir: fleetDir,
      enrollUrl: `http://127.0.0.1:${enrollPort}`,
      nodeDataDir: gatewayDir,
      logDir: dir,
    });
    const credentials = openGatewayCredentials(gatewayDir);
    for (let i = g; i < DEVICES; i += GATEWAYS) {
      const id = deviceIds[i] as string;
      passwords.set(id, issueCredentials(credentials, id, Date.now()).password);
    }
    credentials.close();
    const gw = spawnTier(
      `gateway-${g + 1}`,
      [
        'gateway',
        '--id',
        `site-${g + 1}`,
        '--data-dir',
        gatewayDir,
        '--upstream',
        `mqtt://127.0.0.1:${fleetPort}`,
        '--port',
        String(port),
        '--public-key',
        RELEASE_PUBLIC_KEY,
        '--log-level',
        'warn',
      ],
      dir,
    );
    tiers.push(watch(gw));
    gateways.push(gw);
    await waitForOutput(gw, /mqtt:\/\//, 60_000);
    gatewayUrls.push(`mqtt://127.0.0.1:${port}`);
  }

  for (let i = 0; i < DEVICES; i++) {
    const id = deviceIds[i] as string;
    const transport = createMqttTransport({
      url: gatewayUrls[i % GATEWAYS] as string,
      clientId: `dev-${id}`,
      username: id,
      password: passwords.get(id) as string,
    });
    const sim: SimDevice = { id, transport, seq: 0, outbox: new Map() };
    await transport.route(topics.device(id, 'acks'), (_t, payload) => {
      for (const item of decode(Receipt, payload, 'receipt').items)
        if (item.kind === 'telemetry' && item.device === id) sim.outbox.delete(item.seq);
    });
    await transport.start();
    sims.push(sim);
  }
  console.error(`${DEVICES} devices connected through ${GATEWAYS} gateways`);

  const send = (sim: SimDevice, seq: number, payload: Buffer): void => {
    sim.outbox.set(seq, [payload, Date.now() + RESEND_MS]);
    sim.transport.publish(topics.device(sim.id, 'telemetry'), payload, { qos: 1 }).catch(() => undefined);
  };
  // One window per device per second, spread over the second; unreceipted ones re-sent after 5 s.
  let producing = true;
  const tick = setInterval(() => {
    const now = Date.now();
    for (const sim of sims)
      for (const [seq, [payload, due]] of sim.outbox)
        if (due <= now && sim.transport.connected) send(sim, seq, payload);
  }, 1000);
  const producers = sims.map((sim, i) =>
    (async () => {
      await sleep(Math.floor((i / sims.length) * 1000));
      while (producing) {
        const seq = ++sim.seq;
        send(sim, seq, encode(windowOf(sim.id, seq)));
        await sleep(1000);
      }
    })(),
  );

  const rss = (): Record<string, number | null> => ({
    fleet: rssMb(fleet.child.pid),
    ...Object.fromEntries(gateways.map((g) => [g.name, rssMb(g.child.pid)])),
    devices: Math.round(process.memoryUsage().rss / 1024 / 1024),
  });
  await sleep(WARMUP_S * 1000);
  const start = rss();
  const t0 = Date.now();
  const end = t0 + MINUTES * 60_000;
  while (Date.now() < end) {
    await sleep(Math.min(30_000, end - Date.now()));
    const backlog = sims.reduce((n, s) => n + s.outbox.size, 0);
    console.error(
      `${((Date.now() - t0) / 60_000).toFixed(1)} min: rss ${JSON.stringify(rss())}, unreceipted ${backlog}`,
    );
  }
  const endRss = rss();
  producing = false;
  await Promise.all(producers);
  const drainStart = Date.now();
  while (sims.some((s) => s.outbox.size > 0) && Date.now() - drainStart < 120_000) await sleep(200);
  clearInterval(tick);

  fleetStore = openSqliteStore(join(fleetDir, FLEET_DB_FILE));
  let created = 0;
  let stored = 0;
  let lost = 0;
  let duplicated = 0;
  for (const sim of sims) {
    const seqs = fleetStore.telemetryWindows({ model: manifest.name, device: sim.id }).map((w) => w.seq);
    const unique = new Set(seqs);
    created += sim.seq;
    stored += seqs.length;
    duplicated += seqs.length - unique.size;
    for (let s = 1; s <= sim.seq; s++) if (!unique.has(s)) lost++;
  }
  console.log(
    JSON.stringify(
      {
        devices: DEVICES,
        gateways: GATEWAYS,
        minutes: MINUTES,
        warmupS: WARMUP_S,
        windowsPerSecond: DEVICES,
        rssMb: { start, end: endRss },
        created,
        stored,
        lost,
        duplicated,
        drainMs: Date.now() - drainStart,
      },
      null,
      2,
    ),
  );
  if (lost > 0 || duplicated > 0) process.exitCode = 1;
} finally {
  running = false;
  fleetStore?.close();
  for (const s of sims) await s.transport.close().catch(() => undefined);
  for (const t of tiers) await kill(t, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
