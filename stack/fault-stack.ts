/**
 * A whole stack as real processes for fault tests and the chaos bench: a fleet, one gateway (site
 * broker inside it) and devices, each an `outpost` CLI process on its own data dir and port, so
 * each can be SIGKILLed and started again on the same data dir and port. Tiers are started only
 * here (and through processes.ts), so credentials can be added in one place.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topics, type TelemetryWindow } from '@outpost/protocol';
import Database from 'better-sqlite3';
import { FLEET_DB_FILE, openSqliteStore, type FleetStore } from '@outpost/fleet';
import { GATEWAY_DB_FILE } from '@outpost/gateway';
import { RELEASE_PUBLIC_KEY, loadStackModel, type Row, type StackModel, type StackModelChoice } from './model.ts';
import { spreadOrder } from './replay.ts';
import { enrollViaCli, freePort, kill, runCli, sleep, spawnTier, waitForOutput, type Tier } from './processes.ts';

export const GATEWAY_ID = 'site-1';

export function csvOf(rows: Row[]): string {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: Row[string] | undefined): string =>
    v === null || v === undefined ? '' : typeof v === 'string' ? `"${v}"` : String(v);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

export async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface DeviceSpec {
  id: string;
  /** Rows replayed (from the model's held-out stream, repeated as needed). */
  rows: number;
  rate: number;
  windowRows: number;
  windowMs: number;
  /** Replay the rows forever (chaos runs); the default replays them once. */
  loop?: boolean;
}

export interface FaultStack {
  dir: string;
  model: StackModel;
  fleetDir: string;
  gatewayDir: string;
  deviceDir(id: string): string;
  fleet: Tier | undefined;
  gateway: Tier | undefined;
  devices: Map<string, Tier>;
  startFleet(): Promise<Tier>;
  startGateway(): Promise<Tier>;
  /** Starts (or restarts) a device; `replay: false` starts it without its replay (to drain and stop creating). */
  startDevice(id: string, o?: { replay?: boolean }): Promise<Tier>;
  /** The device's REST API (from its last start). */
  deviceUrl(id: string): string;
  killFleet(): Promise<void>;
  killGateway(): Promise<void>;
  killDevice(id: string): Promise<void>;
  /** Registers another committed build (e.g. occupancy v1) and assigns it to the gateway. */
  registerAndAssign(model: StackModel): Promise<void>;
  /** Windows stored at the fleet for a device (read through a second connection to fleet.db). */
  stored(deviceId: string): TelemetryWindow[];
  /** The device's last persisted seq (state.json). */
  deviceSeq(deviceId: string): number;
  deviceOutbox(deviceId: string): string[];
  /** The seqs of a device's windows waiting in the gateway's outbox (read through a second connection). */
  gatewayOutbox(deviceId: string): number[];
  /** Every stored window of a device is unique and the seqs are exactly 1..seq. */
  exactlyOnce(deviceId: string): { created: number; stored: number; unique: number; missing: number[] };
  /** Notes a step with the time since start (shown when a test fails: what took how long). */
  mark(step: string): void;
  marks(): string;
  close(): Promise<void>;
}

/**
 * Registers the committed occupancy build, starts the fleet, assigns the model to the gateway,
 * starts the gateway and the devices (each waits for its tier to be up).
 */
export async function startFaultStack(
  devices: DeviceSpec[],
  o: { gatewayLogLevel?: string; model?: StackModelChoice } = {},
): Promise<FaultStack> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-fault-'));
  const model = await loadStackModel(o.model);
  const fleetDir = join(dir, 'fleet');
  const gatewayDir = join(dir, 'gateway');
  const [fleetPort, sitePort] = [await freePort(), await freePort()];
  const [fleetEnrollPort, siteEnrollPort] = [await freePort(), await freePort()];
  const fleetUrl = `mqtt://127.0.0.1:${fleetPort}`;
  const siteUrl = `mqtt://127.0.0.1:${sitePort}`;
  const pub = RELEASE_PUBLIC_KEY;
  const order = spreadOrder(model.rows);
  const specs = new Map(devices.map((d) => [d.id, d]));
  for (const d of devices) {
    const rows: Row[] = [];
    while (rows.length < d.rows) rows.push(...order.slice(0, d.rows - rows.length));
    writeFileSync(join(dir, `${d.id}.csv`), csvOf(rows));
  }
  const deviceDir = (id: string): string => join(dir, `device-${id}`);
  await runCli('register', ['register', model.dir, '--data-dir', fleetDir, '--public-key', pub], dir);

  const fleetArgs = ['fleet', '--data-dir', fleetDir, '--port', String(fleetPort), '--public-key', pub];
  fleetArgs.push('--enroll-port', String(fleetEnrollPort));
  fleetArgs.push('--log-level', 'warn');
  const gatewayArgs = ['gateway', '--id', GATEWAY_ID, '--data-dir', gatewayDir, '--upstream', fleetUrl];
  gatewayArgs.push('--port', String(sitePort), '--public-key', pub, '--log-level', o.gatewayLogLevel ?? 'info');
  gatewayArgs.push('--enroll-port', String(siteEnrollPort));
  // Each node enrols once, at its first start, through the serving tier's endpoint (docs/SECURITY.md
  // "Identity"); its credentials then live in its data dir across kills and restarts.
  const enrolled = new Set<string>();
  const enrol = async (kind: 'gateway' | 'device', id: string, nodeDataDir: string): Promise<void> => {
    if (enrolled.has(`${kind}:${id}`)) return;
    await enrollViaCli({
      kind,
      id,
      servingDataDir: kind === 'gateway' ? fleetDir : gatewayDir,
      enrollUrl: `http://127.0.0.1:${kind === 'gateway' ? fleetEnrollPort : siteEnrollPort}`,
      nodeDataDir,
      logDir: dir,
    });
    enrolled.add(`${kind}:${id}`);
  };
  const deviceArgs = (d: DeviceSpec, replay: boolean): string[] => [
    'device',
    '--id',
    d.id,
    '--data-dir',
    deviceDir(d.id),
    '--broker',
    siteUrl,
    '--public-key',
    pub,
    ...(replay ? ['--replay', join(dir, `${d.id}.csv`), '--rate', String(d.rate)] : []),
    '--window-rows',
    String(d.windowRows),
    '--window-ms',
    String(d.windowMs),
    ...(replay && d.loop ? ['--loop'] : []),
    '--log-level',
    'info',
  ];
  const all: Tier[] = [];
  const start = async (name: string, args: string[], ready: RegExp): Promise<Tier> => {
    const t = spawnTier(name, args, dir);
    all.push(t);
    await waitForOutput(t, ready, 60_000);
    stack.mark(`${name} up`);
    return t;
  };
  const t0 = Date.now();
  const marks: string[] = [];
  let fleetStore: FleetStore | undefined;
  const store = (): FleetStore => (fleetStore ??= openSqliteStore(join(fleetDir, FLEET_DB_FILE)));

  const stack: FaultStack = {
    dir,
    model,
    fleetDir,
    gatewayDir,
    deviceDir,
    fleet: undefined,
    gateway: undefined,
    devices: new Map(),
    async startFleet() {
      stack.fleet = await start('fleet', fleetArgs, /mqtt:\/\//);
      return stack.fleet;
    },
    async startGateway() {
      await enrol('gateway', GATEWAY_ID, gatewayDir);
      stack.gateway = await start('gateway', gatewayArgs, /enrolment at/);
      return stack.gateway;
    },
    async startDevice(id, so = {}) {
      const spec = specs.get(id);
      if (!spec) throw new Error(`no device ${id}`);
      await enrol('device', id, deviceDir(id));
      const t = await start(`device-${id}`, deviceArgs(spec, so.replay ?? true), /serving on/);
      stack.devices.set(id, t);
      return t;
    },
    deviceUrl(id) {
      const url = /serving on (http:\/\/\S+)/.exec(stack.devices.get(id)?.output() ?? '')?.[1];
      if (!url) throw new Error(`device ${id} has no URL yet`);
      return url;
    },
    async killFleet() {
      if (stack.fleet) await kill(stack.fleet);
      stack.mark('fleet killed');
    },
    async killGateway() {
      if (stack.gateway) await kill(stack.gateway);
      stack.mark('gateway killed');
    },
    async killDevice(id) {
      const t = stack.devices.get(id);
      if (t) await kill(t);
      stack.mark(`device-${id} killed`);
    },
    async registerAndAssign(m) {
      await runCli('register', ['register', m.dir, '--data-dir', fleetDir, '--public-key', pub], dir);
      await runCli(
        'assign',
        [
          'assign',
          GATEWAY_ID,
          m.manifest.name,
          String(m.manifest.version),
          '--data-dir',
          fleetDir,
          '--broker',
          fleetUrl,
          '--no-wait',
        ],
        dir,
      );
    },
    stored(deviceId) {
      return store().telemetryWindows({ model: model.manifest.name, device: deviceId });
    },
    deviceSeq(deviceId) {
      const file = join(deviceDir(deviceId), 'state.json');
      if (!existsSync(file)) return 0;
      return (JSON.parse(readFileSync(file, 'utf8')) as { seq: number }).seq;
    },
    deviceOutbox(deviceId) {
      const d = join(deviceDir(deviceId), 'outbox');
      return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')) : [];
    },
    gatewayOutbox(deviceId) {
      const file = join(gatewayDir, GATEWAY_DB_FILE);
      if (!existsSync(file)) return [];
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const topic = topics.device(deviceId, 'telemetry');
        return db
          .prepare<[string], { payload: Buffer }>('SELECT payload FROM outbox WHERE topic = ?')
          .all(topic)
          .map((r) => (JSON.parse(r.payload.toString()) as { seq: number }).seq);
      } finally {
        db.close();
      }
    },
    exactlyOnce(deviceId) {
      const created = stack.deviceSeq(deviceId);
      const seqs = stack.stored(deviceId).map((w) => w.seq);
      const unique = new Set(seqs);
      const missing: number[] = [];
      for (let s = 1; s <= created; s++) if (!unique.has(s)) missing.push(s);
      return { created, stored: seqs.length, unique: unique.size, missing };
    },
    mark(step) {
      marks.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${step}`);
    },
    marks: () => marks.join('\n'),
    async close() {
      fleetStore?.close();
      for (const t of all) await kill(t, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  await stack.startFleet();
  await stack.startGateway();
  // The fleet assigns only to a gateway it has heard from (docs/OPERATIONS.md): once the gateway's
  // report is stored, the site is assigned; its devices, started next, get the desired state.
  await until(
    () =>
      store()
        .listReported()
        .some((r) => r.kind === 'gateway' && r.source === GATEWAY_ID),
    'the gateway reported to the fleet',
    60_000,
  );
  await runCli(
    'assign',
    [
      'assign',
      GATEWAY_ID,
      model.manifest.name,
      String(model.manifest.version),
      '--data-dir',
      fleetDir,
      '--broker',
      fleetUrl,
      '--no-wait',
    ],
    dir,
  );
  for (const d of devices) await stack.startDevice(d.id);
  return stack;
}

/** A whole number of milliseconds in [lo, hi]. */
export function between(lo: number, hi: number, random: () => number = Math.random): number {
  return Math.round(lo + (hi - lo) * random());
}
