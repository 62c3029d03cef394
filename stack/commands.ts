/**
 * `outpost demo` and `outpost start`: the composed stack's commands. Each action is a plain async
 * function of parsed options returning its exit code (0 ok, 1 failure, 2 usage), so the option
 * parsing (commander) and the running stay apart.
 */
import { Command, InvalidArgumentError } from 'commander';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOG_LEVEL_FLAGS, LOG_LEVEL_HELP, logLevelOption, type LogLevel } from '@outpost/protocol/cli';
import { createLogger } from '@outpost/protocol/logging';
import { runDemo, type DemoSummary } from './demo.ts';
import { clashingPorts, takenPorts, type WantedPort } from './ports.ts';
import { startStack } from './site.ts';
import { rowsSource, spreadOrder } from './replay.ts';
import { simCommand } from './sim/command.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}
function positive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('a positive integer');
  return n;
}

interface DemoOptions {
  devices: number;
  rows: number;
  json?: boolean;
}

function printSummary(s: DemoSummary, tookMs: number): void {
  const figure = (m: DemoSummary['cv']): string =>
    m ? `${m.metric} ${m.value.toFixed(4)}${m.std !== undefined ? ` ± ${m.std.toFixed(4)}` : ''}` : 'n/a';
  console.log('\nOutpost demo summary');
  console.log(`  model              ${s.model} v${s.version} (${s.algorithm}, ${s.artifactId.slice(0, 12)}…)`);
  console.log(`  validation         ${figure(s.validation)}`);
  console.log(`  CV                 ${figure(s.cv)}`);
  console.log(`  devices converged  ${s.devicesConverged}`);
  console.log(`  predictions        ${s.predictions}`);
  console.log(`  telemetry windows  ${s.windowsStored} stored of ${s.windowsSent} sent`);
  console.log(
    `  top PSI            ${s.topPsi.map((f) => `${f.feature} ${f.psi === null ? 'n/a' : f.psi.toFixed(4)} (${f.status})`).join(', ')}`,
  );
  const p = s.predictionPsi;
  console.log(`  prediction PSI     ${p.psi === null ? 'n/a' : p.psi.toFixed(4)} (${p.status})`);
  console.log(`  took               ${(tookMs / 1000).toFixed(1)} s`);
}

export async function demoAction(opts: DemoOptions): Promise<number> {
  const started = Date.now();
  const s = await runDemo({
    devices: opts.devices,
    rowsPerDevice: opts.rows,
    ...(opts.json ? {} : { onProgress: (m: string) => console.log(`  ${m}`) }),
  });
  if (opts.json) console.log(JSON.stringify(s, null, 2));
  else printSummary(s, Date.now() - started);
  return s.windowsStored === s.windowsSent && s.devicesConverged === opts.devices ? EXIT_OK : EXIT_FAILURE;
}

function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the whole thread once (committed build → fleet → gateway → devices → telemetry → drift) in a temp dir and print a summary',
    )
    .option('--devices <n>', 'number of simulated devices', positive, 3)
    .option('--rows <n>', 'held-out rows each device replays', positive, 1000)
    .option('--json', 'print the summary as JSON')
    .action(async (opts: DemoOptions) => {
      process.exitCode = await demoAction(opts);
    });
}

export interface StartOptions {
  dataDir: string;
  fleetPort: number;
  gatewayPort: number;
  httpPort: number;
  /** The fleet's operator API and dashboard (docs/OPERATIONS.md "Dashboard and API"). */
  apiPort: number;
  devices: number;
  rate: number;
  /** Log level of the tiers' structured logs on stderr (default warn: the stack's own lines stay readable). */
  logLevel?: LogLevel;
}

/** Every port `start` listens on, with the option that moves it. */
export function startPorts(o: StartOptions): WantedPort[] {
  return [
    { port: o.fleetPort, what: 'fleet broker', option: '--fleet-port' },
    { port: o.gatewayPort, what: 'gateway broker', option: '--gateway-port' },
    { port: o.apiPort, what: 'fleet API and dashboard', option: '--api-port' },
    ...Array.from({ length: o.devices }, (_v, i) => ({
      port: o.httpPort === 0 ? 0 : o.httpPort + i,
      what: `device-${i + 1} HTTP`,
      option: '--http-port',
    })),
  ];
}

/**
 * Resolves when the process is asked to stop (Ctrl-C or SIGTERM). Later signals are absorbed while
 * the stack closes: Ctrl-C under `npm start` reaches the process twice (from the terminal and
 * relayed by tsx), and a second, unhandled SIGINT would kill it half-way through closing.
 */
function stopRequested(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string): void => done(signal);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function startAction(opts: StartOptions): Promise<number> {
  // Ports first, before any data dir is touched.
  const wanted = startPorts(opts);
  const clashes = clashingPorts(wanted);
  for (const [a, b] of clashes)
    console.error(`outpost start: port ${a.port} is asked for twice (${a.what} ${a.option}, ${b.what} ${b.option})`);
  if (clashes.length > 0) return EXIT_USAGE;
  if (wanted.some((w) => w.port > 65535)) {
    console.error(`outpost start: device ports run past 65535 (--http-port ${opts.httpPort}, ${opts.devices} devices)`);
    return EXIT_USAGE;
  }
  const taken = await takenPorts(wanted);
  for (const t of taken)
    console.error(
      `outpost start: port ${t.port} (${t.what}) is not free (${t.code}): stop what holds it or pass ${t.option} <port>`,
    );
  if (taken.length > 0) return EXIT_FAILURE;

  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logger = createLogger({ level: opts.logLevel ?? 'warn', name: 'outpost-start' });
  const stopping = stopRequested();
  const stack = await startStack({
    dataDir,
    fleetPort: opts.fleetPort,
    gatewayPort: opts.gatewayPort,
    httpPortBase: opts.httpPort,
    apiPort: opts.apiPort,
    devices: opts.devices,
    windowRows: 100,
    logger,
    onProgress: (m) => console.log(`  ${m}`),
  });
  const { model } = stack;
  const example = JSON.stringify({ inputs: model.manifest.golden[0]?.inputs ?? {} });
  console.log('\nOutpost is up:');
  console.log(`  fleet broker    ${stack.fleet.brokerUrl}`);
  console.log(`  gateway broker  ${stack.gateway.localUrl}`);
  console.log(`  dashboard, API  ${stack.fleet.apiUrl ?? ''}/  (${stack.fleet.apiUrl ?? ''}/openapi.json)`);
  // The first start makes an admin token and shows it once; later starts keep the tokens there are.
  if (stack.fleet.tokens.list().length === 0) {
    const first = stack.fleet.tokens.create({ name: 'admin', role: 'admin', at: new Date().toISOString() });
    console.log(`  admin token     ${first.token}  (shown once; paste it into the dashboard)`);
  } else
    console.log(`  tokens          npm run outpost -- token create --role viewer --data-dir ${join(dataDir, 'fleet')}`);
  for (const d of stack.devices)
    console.log(`  ${d.id.padEnd(15)} ${d.httpUrl}  (POST /predict, GET /health, GET /model)`);
  console.log(`  model           ${model.name} v${model.version} (${model.artifactId.slice(0, 12)})`);
  console.log(
    `  registry        ${stack.fleet.store
      .listArtifacts()
      .map((a) => `${a.name} v${a.version}`)
      .join(', ')}`,
  );
  console.log(`  data dir        ${dataDir}`);
  console.log(
    `  try             curl -s ${stack.devices[0]?.httpUrl ?? ''}/predict -H 'content-type: application/json' -d '${example}'`,
  );
  console.log(`  drift           npm run outpost -- drift ${model.name} --data-dir ${join(dataDir, 'fleet')}`);
  console.log('Ctrl-C stops.');

  const held = spreadOrder(stack.rows);
  const controller = new AbortController();
  const replays = stack.devices.map(async (d, i) => {
    for (let k = i; !controller.signal.aborted; k++) {
      await d.replay(rowsSource([held[k % held.length] as (typeof held)[number]]));
      await new Promise((r) => setTimeout(r, 1000 / opts.rate));
    }
  });
  const signal = await stopping;
  console.log(`stopping (${signal})…`);
  controller.abort();
  await Promise.allSettled(replays);
  await stack.close();
  console.log(`stopped (${signal}).`);
  return EXIT_OK;
}

function startCommand(): Command {
  return new Command('start')
    .description(
      'start the whole stack (fleet + embedded broker, one gateway, devices replaying held-out rows) until Ctrl-C; ' +
        'a restart on the same data dir reuses what it registered',
    )
    .option('--data-dir <dir>', 'where the stack keeps its state', '.outpost/stack')
    .option('--fleet-port <port>', 'fleet MQTT broker port', port, 1883)
    .option('--gateway-port <port>', 'gateway MQTT broker port', port, 1884)
    .option('--http-port <port>', 'first device HTTP port (device i gets port + i - 1)', port, 8081)
    .option('--api-port <port>', "the fleet's operator API and dashboard port", port, 8080)
    .option('--devices <n>', 'number of simulated devices', positive, 3)
    .option('--rate <rows>', 'rows per second each device replays', positive, 5)
    .option(LOG_LEVEL_FLAGS, LOG_LEVEL_HELP, logLevelOption(), 'warn')
    .action(async (opts: StartOptions) => {
      const code = await startAction(opts);
      // Exit here rather than when the event loop drains: Node closes its signal handlers while it
      // tears down after that, and the second SIGINT of a Ctrl-C arriving then would end a stack
      // that closed cleanly with the signal instead of this code.
      process.exit(code);
    });
}

export function stackCommands(): Command[] {
  return [demoCommand(), startCommand(), simCommand()];
}
