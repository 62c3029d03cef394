import { Command, InvalidArgumentError } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { runDemo } from './demo.ts';
import { startStack } from './site.ts';
import { rowsSource, spreadOrder } from './replay.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}
function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the whole thread once (train → fleet → gateway → devices → telemetry → drift) in a temp dir and print a summary',
    )
    .option('--devices <n>', 'number of simulated devices', positive, 3)
    .option('--rows <n>', 'held-out rows each device replays', positive, 1000)
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { devices: number; rows: number; json?: boolean }) => {
      const started = Date.now();
      const s = await runDemo({
        devices: opts.devices,
        rowsPerDevice: opts.rows,
        ...(opts.json ? {} : { onProgress: (m: string) => console.log(`  ${m}`) }),
      });
      if (opts.json) {
        console.log(JSON.stringify(s, null, 2));
        return;
      }
      console.log('\nOutpost demo summary');
      console.log(`  model              ${s.model} v${s.version} (${s.artifactId.slice(0, 12)}…)`);
      console.log(
        `  CV RMSE            baseline ${Math.round(s.cvRmse.baseline)}  linear ${Math.round(s.cvRmse.linear)}`,
      );
      console.log(`  devices converged  ${s.devicesConverged}`);
      console.log(`  predictions        ${s.predictions}`);
      console.log(`  telemetry windows  ${s.windowsStored} stored of ${s.windowsSent} sent`);
      console.log(
        `  top PSI            ${s.topPsi.map((f) => `${f.feature} ${f.psi === null ? 'n/a' : f.psi.toFixed(4)} (${f.status})`).join(', ')}`,
      );
      console.log(`  took               ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (s.windowsStored !== s.windowsSent || s.devicesConverged !== opts.devices) process.exitCode = 1;
    });
}

function startCommand(): Command {
  return new Command('start')
    .description('start the whole stack (fleet + embedded broker, one gateway, devices replaying data) until Ctrl-C')
    .option('--data-dir <dir>', 'where the stack keeps its state', '.outpost/stack')
    .option('--fleet-port <port>', 'fleet MQTT broker port', port, 1883)
    .option('--gateway-port <port>', 'gateway MQTT broker port', port, 1884)
    .option('--http-port <port>', 'first device HTTP port (device i gets port + i)', port, 8081)
    .option('--devices <n>', 'number of simulated devices', positive, 3)
    .option('--rate <rows>', 'rows per second each device replays', positive, 5)
    .action(
      async (opts: {
        dataDir: string;
        fleetPort: number;
        gatewayPort: number;
        httpPort: number;
        devices: number;
        rate: number;
      }) => {
        mkdirSync(opts.dataDir, { recursive: true });
        const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'warn' });
        const stack = await startStack({
          dataDir: opts.dataDir,
          fleetPort: opts.fleetPort,
          gatewayPort: opts.gatewayPort,
          httpPortBase: opts.httpPort,
          devices: opts.devices,
          windowRows: 100,
          logger,
          onProgress: (m) => console.log(`  ${m}`),
        });
        console.log('\nOutpost is up:');
        console.log(`  fleet broker    ${stack.fleet.brokerUrl}`);
        console.log(`  gateway broker  ${stack.gateway.localUrl}`);
        for (const d of stack.devices)
          console.log(`  ${d.id.padEnd(15)} ${d.httpUrl}  (POST /predict, GET /health, GET /model)`);
        console.log(`  data dir        ${join(process.cwd(), opts.dataDir)}`);
        console.log(
          `  drift           npm run outpost -- drift ${stack.trained.name} --data-dir ${join(opts.dataDir, 'fleet')}`,
        );
        console.log('Ctrl-C stops.');

        const held = spreadOrder(stack.trained.heldOutRows);
        const controller = new AbortController();
        const replays = stack.devices.map(async (d) => {
          while (!controller.signal.aborted) {
            for (const row of held) {
              if (controller.signal.aborted) return;
              await d.replay(rowsSource([row]));
              await new Promise((r) => setTimeout(r, 1000 / opts.rate));
            }
          }
        });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        controller.abort();
        await Promise.allSettled(replays);
        await stack.close();
        console.log('stopped.');
      },
    );
}

export function stackCommands(): Command[] {
  return [demoCommand(), startCommand()];
}
