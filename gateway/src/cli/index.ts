/**
 * The gateway's command (`outpost gateway`): its definition only; the action loads the gateway
 * when it runs, so `outpost --help` loads no broker or SQLite (docs/ARCHITECTURE.md "Running a tier").
 * The options are checked together by `parseGatewayArgs` (gateway-args.ts), with the CLI kit's parsers.
 */
import { Command } from 'commander';
import {
  LOG_LEVEL_FLAGS,
  LOG_LEVEL_HELP,
  logLevelOption,
  processContext,
  commandAction,
  type CommandContext,
} from '@outpost/protocol/cli';
import type { GatewayCliArgs } from './gateway-args.ts';

/** `outpost gateway --id <id> --data-dir <dir> --upstream <url> [--port] [--host] --public-key <pem>` */
export function gatewayCommand(context: Partial<CommandContext> = {}): Command {
  const ctx: CommandContext = { ...processContext, ...context };
  return new Command('gateway')
    .description('run a site gateway: local broker, artifact cache, reconcile loop, telemetry relay')
    .option('--id <id>', 'gateway id (as the fleet knows it)')
    .option('--data-dir <dir>', 'folder for gateway.db and the artifact cache')
    .option('--upstream <url>', "the fleet's MQTT broker URL (mqtt: or mqtts:)")
    .option('--port <port>', 'port of the site broker (0 = any free port; default 1884)')
    .option('--host <host>', 'address the site broker listens on (default 127.0.0.1)')
    .option('--public-key <file>', "the fleet's artifact signing public key (PEM file)")
    .option(
      '--enroll-port <port>',
      'serve the device enrol endpoint on this port (0 = any free port; default: not served)',
    )
    .option('--credentials <file>', 'credentials from `outpost enroll` (default <data-dir>/credentials.json)')
    .option('--upstream-ca <file>', 'PEM of the CA that signed the fleet broker certificate (mqtts://)')
    .option('--tls-key <file>', 'PEM key: serve the site broker as mqtts:// and the enrol endpoint as https')
    .option('--tls-cert <file>', 'PEM certificate chain for --tls-key')
    .option('--max-packet-bytes <n>', 'largest MQTT packet the site broker accepts (default 1048576)')
    .option(LOG_LEVEL_FLAGS, LOG_LEVEL_HELP, logLevelOption(), 'info')
    .action(commandAction(ctx, async (raw: GatewayCliArgs) => (await import('./run-gateway.ts')).runGateway(raw, ctx)));
}

/** Every command this workspace adds to the `outpost` CLI. */
export function gatewayCommands(context: Partial<CommandContext> = {}): Command[] {
  return [gatewayCommand(context)];
}
