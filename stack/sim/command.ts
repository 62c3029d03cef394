/**
 * `outpost sim`: a simulated fleet of G gateways and N devices in this process, connected to a
 * running fleet (docs/OPERATIONS.md "Simulated fleet"). Runs until interrupted.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SIM_FAULTS, SIM_SCENARIOS, type SimFault, type SimScenario } from './sim.ts';

export interface SimCommandOptions {
  gateways: number;
  devices: number;
  fault?: SimFault;
  scenario?: SimScenario;
  scenarioAfterMs?: number;
  rowsPerWindow?: number;
  labelsPerWindow?: number;
  labelsAfterMs?: number;
  badVersion?: number[];
  seed: number;
  fleetDataDir: string;
  broker: string;
  publicKey?: string;
  dataDir: string;
  telemetryMs?: number;
  heartbeatMs: number;
}

const positive = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
};
const nonNegative = (value: string): number => {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('a non-negative integer');
  return Number(value);
};

export async function simAction(o: SimCommandOptions): Promise<number> {
  const [{ startSim }, { openFleetCredentials }, { issueCredentials, PUBLIC_KEY_FILE }] = await Promise.all([
    import('./sim.ts'),
    import('@outpost/fleet'),
    import('@outpost/protocol/node'),
  ]);
  const fleetDir = resolve(o.fleetDataDir);
  const publicKeyPem = readFileSync(o.publicKey ?? join(fleetDir, 'keys', PUBLIC_KEY_FILE), 'utf8');
  const fleetKeyPem = readFileSync(join(fleetDir, 'intent-key', PUBLIC_KEY_FILE), 'utf8');
  const started = Date.now();
  const sim = await startSim({
    dataDir: resolve(o.dataDir),
    fleetBrokerUrl: o.broker,
    publicKeyPem,
    fleetKeyPem,
    // The sim's gateways are enrolled through the fleet's credential store (same machine).
    gatewayCredentials: (id) => {
      const { store } = openFleetCredentials(fleetDir);
      try {
        return { id, ...issueCredentials(store, id, Date.now()) };
      } finally {
        store.close();
      }
    },
    gateways: o.gateways,
    devices: o.devices,
    seed: o.seed,
    heartbeatMs: o.heartbeatMs,
    ...(o.fault ? { fault: o.fault } : {}),
    ...(o.badVersion ? { badVersions: o.badVersion } : {}),
    // A scenario needs telemetry: a window a second unless told otherwise.
    ...(o.telemetryMs !== undefined || o.scenario ? { telemetryMs: o.telemetryMs ?? 1000 } : {}),
    ...(o.scenario ? { scenario: o.scenario } : {}),
    ...(o.scenarioAfterMs !== undefined ? { scenarioAfterMs: o.scenarioAfterMs } : {}),
    ...(o.rowsPerWindow !== undefined ? { rowsPerWindow: o.rowsPerWindow } : {}),
    ...(o.labelsPerWindow !== undefined ? { labelsPerWindow: o.labelsPerWindow } : {}),
    ...(o.labelsAfterMs !== undefined ? { labelsAfterMs: o.labelsAfterMs } : {}),
  });
  // A CLI prints (the stack's commands print; library code logs).
  process.stdout.write(
    `sim: ${sim.gateways.length} gateways, ${sim.devices.length} devices connected in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      (o.fault
        ? `; fault ${o.fault} on ${o.fault === 'bad-model' ? 'every device' : `${sim.faulted.length} devices`}`
        : '') +
      (o.scenario
        ? `; scenario ${o.scenario} on ${sim.scenarioDevices.length === 1 ? (sim.scenarioDevices[0] as string) : `${sim.scenarioDevices.length} devices`} from ${new Date(sim.scenarioFrom as number).toISOString()}`
        : '') +
      '\n',
  );
  await new Promise<void>((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  });
  await sim.close();
  return 0;
}

export function simCommand(): Command {
  return new Command('sim')
    .description(
      'a simulated fleet: real gateways and lightweight devices speaking the real protocol, on a running fleet',
    )
    .requiredOption('--gateways <n>', 'gateways', positive)
    .requiredOption('--devices <n>', 'devices, spread over the gateways', positive)
    .addOption(new Option('--fault <kind>', 'a fault to play').choices([...SIM_FAULTS]))
    .option(
      '--bad-version <n>',
      'with --fault bad-model: a version that fails its smoke test (repeatable; default every version above 1)',
      (v: string, prev: number[] = []) => [...prev, positive(v)],
    )
    .option('--seed <n>', 'which devices the fault hits', positive, 1)
    .option('--fleet-data-dir <dir>', "the fleet's data folder (gateway credentials, keys)", '.outpost/fleet')
    .option('--broker <url>', "the fleet's broker", 'mqtt://127.0.0.1:1883')
    .option('--public-key <file>', 'artifact signing public key (default <fleet-data-dir>/keys/signing.pub)')
    .option('--data-dir <dir>', "the sim's own folder (gateway stores, device credentials)", '.outpost/sim')
    .addOption(
      new Option('--scenario <name>', 'a monitoring scenario to play (docs/MONITORING.md "Scenarios")').choices([
        ...SIM_SCENARIOS,
      ]),
    )
    .option('--scenario-after-ms <n>', 'start the scenario this long after the devices connect', nonNegative)
    .option(
      '--telemetry-ms <n>',
      'each device sends a telemetry window this often (with --scenario default 1000)',
      positive,
    )
    .option('--rows-per-window <n>', 'rows each telemetry window counts (default 20)', positive)
    .option(
      '--labels-per-window <n>',
      'labels each device sends per window (default 0; concept-drift and train-station 5)',
      nonNegative,
    )
    .option(
      '--labels-after-ms <n>',
      'train-station: labels arrive this long after the scenario starts (default 5000); the labelled rows are written to <data-dir>/train-station-labels.csv on exit',
      nonNegative,
    )
    .option('--heartbeat-ms <n>', 'reported-state heartbeat', positive, 60_000)
    .action(async (opts: SimCommandOptions) => {
      process.exitCode = await simAction(opts);
    });
}
