/**
 * A simulated fleet for demos, tests and benches (docs/OPERATIONS.md "Simulated fleet"): G real
 * gateways (in this process, each with its own site broker and SQLite store) in front of N
 * simulated devices (sim-device.ts), spread over the gateways in a seeded order. Devices are
 * enrolled through the gateways' credential store API directly (no HTTP enrolment per device), and
 * their credentials kept in `<dataDir>/device-credentials.json`, so a second run reuses them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, silentLogger, type Logger } from '@outpost/protocol';
import { issueCredentials, type NodeCredentials } from '@outpost/protocol/node';
import { openGatewayCredentials, startGateway, type Gateway } from '@outpost/gateway';
import { startSimDevice, type DeviceScenario, type SimBehaviour, type SimDevice } from './sim-device.ts';
import { scenarioPlan, type SimScenario } from './scenarios.ts';
import { readReplayTable, stationSource, type ReplayTable, type RowSource } from './station.ts';

export const SIM_FAULTS = ['crash', 'slow', 'bad-model', 'offline'] as const;
export type SimFault = (typeof SIM_FAULTS)[number];
export { SIM_SCENARIOS, type SimScenario } from './scenarios.ts';

export interface SimOptions {
  /** Gateway data folders and the device credentials file. */
  dataDir: string;
  fleetBrokerUrl: string;
  /** The release key artifacts are signed with. */
  publicKeyPem: string;
  /** The fleet's intent key. */
  fleetKeyPem: string;
  /** A gateway's credentials on the fleet broker (e.g. issued into the fleet's credential store). */
  gatewayCredentials(gatewayId: string): NodeCredentials;
  gateways: number;
  devices: number;
  /**
   * crash: a tenth of the devices stop without a word now and then and come back 5 s later;
   * slow: a tenth install 2 s slower and answer 10 buckets slower; bad-model: every device fails
   * the smoke test of `badVersions`; offline: a tenth report once, then go silent for good.
   */
  fault?: SimFault;
  /** Versions that fail the smoke test (with `fault: 'bad-model'`); default every version above 1. */
  badVersions?: number[];
  seed?: number;
  heartbeatMs?: number;
  telemetryMs?: number;
  /** A monitoring scenario (scenarios.ts; docs/MONITORING.md "Scenarios"), played from `scenarioAfterMs` after the start. */
  scenario?: SimScenario;
  /** Default 0: the scenario plays from the first window. */
  scenarioAfterMs?: number;
  /** Rows per telemetry window (default 20). */
  rowsPerWindow?: number;
  /** Labels per window and device (default 0; 5 with the concept-drift and train-station scenarios). */
  labelsPerWindow?: number;
  /** With the train-station scenario: labels from this long after its start (default STATION_LABELS_AFTER_MS). */
  labelsAfterMs?: number;
  /** With the train-station scenario: the labelled rows replayed (default the repo's California housing CSV). */
  replay?: ReplayTable;
  /** With the train-station scenario: where the labelled rows are written on close (default `<dataDir>/train-station-labels.csv`). */
  labelledCsv?: string;
  /** Errors per row every device reports (default 0). */
  errorRate?: number;
  /** Id prefixes (default `sim-gw-` and `sim-dev-`). */
  prefix?: string;
  logger?: Logger;
}

export interface Sim {
  gateways: Gateway[];
  devices: SimDevice[];
  /** Device ids by gateway id. */
  placement: Map<string, string[]>;
  /** The devices the fault applies to. */
  faulted: string[];
  /** The devices the scenario changes (stuck-co2: one; drift, train-station: all; concept-drift: the first gateway's). */
  scenarioDevices: string[];
  /** When the scenario starts (epoch ms; absent without one): windows ending from then on carry it. */
  scenarioFrom?: number;
  /** With a replaying scenario (train-station): writes the labelled rows so far as CSV; returns how many. */
  writeLabelled?(file: string): number;
  close(): Promise<void>;
}

const pad = (i: number, n: number): string => String(i).padStart(String(n).length, '0');

function deviceCredentials(
  file: string,
  gatewayDirs: Map<string, string>,
  wanted: { device: string; gateway: string }[],
): Map<string, NodeCredentials> {
  const known = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, NodeCredentials & { gateway: string }>)
    : {};
  const byGateway = new Map<string, string[]>();
  for (const w of wanted) {
    if (known[w.device]?.gateway === w.gateway) continue;
    byGateway.set(w.gateway, [...(byGateway.get(w.gateway) ?? []), w.device]);
  }
  for (const [gateway, devices] of byGateway) {
    const store = openGatewayCredentials(gatewayDirs.get(gateway) as string);
    try {
      for (const d of devices) known[d] = { id: d, ...issueCredentials(store, d, Date.now()), gateway };
    } finally {
      store.close();
    }
  }
  if (byGateway.size > 0) writeFileSync(file, JSON.stringify(known), { mode: 0o600 });
  return new Map(wanted.map((w) => [w.device, known[w.device] as NodeCredentials]));
}

export async function startSim(o: SimOptions): Promise<Sim> {
  const logger = (o.logger ?? silentLogger).child({ component: 'sim' });
  const random = mulberry32(o.seed ?? 1);
  const prefix = o.prefix ?? 'sim-';
  mkdirSync(o.dataDir, { recursive: true });
  const gatewayIds = Array.from({ length: o.gateways }, (_, i) => `${prefix}gw-${pad(i + 1, o.gateways)}`);
  const deviceIds = Array.from({ length: o.devices }, (_, i) => `${prefix}dev-${pad(i + 1, o.devices)}`);
  const placement = new Map<string, string[]>(gatewayIds.map((g) => [g, []]));
  deviceIds.forEach((d, i) => placement.get(gatewayIds[i % o.gateways] as string)?.push(d));
  const faulted = new Set(
    o.fault === 'bad-model' ? [] : deviceIds.filter(() => o.fault !== undefined && random() < 0.1),
  );
  const plan = o.scenario
    ? scenarioPlan(o.scenario, { deviceIds, firstGateway: placement.get(gatewayIds[0] as string) ?? [], random })
    : undefined;
  const replay: RowSource | undefined =
    plan?.replay === 'station' ? stationSource(o.replay ?? readReplayTable()) : undefined;
  // Counted from when every device is connected (set below; until then nothing plays).
  let scenarioFrom = Number.POSITIVE_INFINITY;
  const scenarioOf = (d: string): DeviceScenario | undefined =>
    plan && {
      get fromMs() {
        return scenarioFrom;
      },
      faults: plan.devices.has(d) ? plan.faults : [],
      flipLabels: plan.devices.has(d) && plan.flipLabels,
      labelsPerWindow: o.labelsPerWindow ?? plan.labelsPerWindow,
      ...(plan.labelsAfterMs !== undefined ? { labelsAfterMs: o.labelsAfterMs ?? plan.labelsAfterMs } : {}),
    };
  const gatewayDirs = new Map(gatewayIds.map((g) => [g, join(o.dataDir, g)]));
  const gateways: Gateway[] = [];
  const devices: SimDevice[] = [];
  const timers: NodeJS.Timeout[] = [];
  const sim: Sim = {
    gateways,
    devices,
    placement,
    faulted: [...faulted],
    scenarioDevices: plan ? [...plan.devices] : [],
    ...(replay ? { writeLabelled: (file: string) => replay.writeCsv(file) } : {}),
    async close() {
      timers.forEach((t) => clearTimeout(t));
      await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
      for (const g of gateways) await g.close();
      if (replay) {
        const file = o.labelledCsv ?? join(o.dataDir, 'train-station-labels.csv');
        logger.info({ file, rows: replay.writeCsv(file) }, 'labelled rows written');
      }
    },
  };
  try {
    for (const g of gatewayIds) {
      gateways.push(
        await startGateway({
          id: g,
          dataDir: gatewayDirs.get(g) as string,
          upstreamUrl: o.fleetBrokerUrl,
          localPort: 0,
          publicKeyPem: o.publicKeyPem,
          fleetKeyPem: o.fleetKeyPem,
          credentials: o.gatewayCredentials(g),
          logger,
          ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
        }),
      );
    }
    const wanted = [...placement].flatMap(([gateway, ds]) => ds.map((device) => ({ device, gateway })));
    const creds = deviceCredentials(join(o.dataDir, 'device-credentials.json'), gatewayDirs, wanted);
    const bad = new Set(o.badVersions ?? []);
    const behaviourOf = (d: string): SimBehaviour => ({
      smokeFails: (_name, version) => o.fault === 'bad-model' && (o.badVersions ? bad.has(version) : version > 1),
      installDelayMs: o.fault === 'slow' && faulted.has(d) ? 2000 : 0,
      latencyBucket: o.fault === 'slow' && faulted.has(d) ? 12 : 2,
      errorRate: o.errorRate ?? 0,
    });
    const start = async (device: string, gateway: Gateway, initial?: ReturnType<SimDevice['state']>) =>
      startSimDevice({
        id: device,
        gatewayId: gateway.id,
        url: gateway.localUrl,
        credentials: creds.get(device) as NodeCredentials,
        publicKeyPem: o.publicKeyPem,
        fleetKeyPem: o.fleetKeyPem,
        behaviour: behaviourOf(device),
        logger,
        seed: (o.seed ?? 1) * 100_003 + deviceIds.indexOf(device),
        ...(scenarioOf(device) ? { scenario: scenarioOf(device) as DeviceScenario } : {}),
        ...(replay ? { replay } : {}),
        ...(o.rowsPerWindow !== undefined ? { rowsPerWindow: o.rowsPerWindow } : {}),
        ...(initial ? { initial } : {}),
        ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
        ...(o.telemetryMs !== undefined ? { telemetryMs: o.telemetryMs } : {}),
      });
    // Connect in batches: a site broker checks each password hash (scrypt) on connect.
    const all = gateways.flatMap((g) => (placement.get(g.id) ?? []).map((d) => ({ d, g })));
    for (let i = 0; i < all.length; i += 20) {
      devices.push(...(await Promise.all(all.slice(i, i + 20).map(({ d, g }) => start(d, g)))));
    }
    if (plan) {
      scenarioFrom = Date.now() + (o.scenarioAfterMs ?? 0);
      sim.scenarioFrom = scenarioFrom;
    }
    // Faults that play out over time.
    for (const dev of devices) {
      if (!faulted.has(dev.id)) continue;
      const gateway = gateways.find((g) => placement.get(g.id)?.includes(dev.id)) as Gateway;
      if (o.fault === 'offline') await dev.crash();
      if (o.fault === 'crash') {
        const cycle = (d: SimDevice): void => {
          timers.push(
            setTimeout(
              () =>
                void (async () => {
                  const state = d.state();
                  await d.crash();
                  await new Promise((r) => setTimeout(r, 5000));
                  const back = await start(d.id, gateway, state);
                  devices[devices.indexOf(d)] = back;
                  cycle(back);
                })().catch((err) => logger.warn({ err: String(err) }, 'crash cycle')),
              10_000 + random() * 20_000,
            ),
          );
        };
        cycle(dev);
      }
    }
    logger.info({ gateways: gateways.length, devices: devices.length, fault: o.fault ?? 'none' }, 'sim started');
    return sim;
  } catch (err) {
    await sim.close();
    throw err;
  }
}
