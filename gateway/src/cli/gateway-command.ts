import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { pino } from 'pino';
import { ID_PATTERN, errorMessage, isOutpostError, keyId } from '@outpost/protocol';
import { GatewayErrorCodes, gatewayError } from '../errors.ts';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORT, startGateway, type Gateway, type GatewayOptions } from '../gateway.ts';

export interface GatewayCliArgs {
  id?: string;
  dataDir?: string;
  upstream?: string;
  port?: string;
  host?: string;
  publicKey?: string;
}

const UPSTREAM_PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:']);

/** Checks the command's arguments; throws OUTPOST_ERR_CLI_ARGS naming the bad one. */
export function parseGatewayArgs(args: GatewayCliArgs): Omit<GatewayOptions, 'logger' | 'clock'> {
  const bad = (option: string, message: string, cause?: unknown): never => {
    throw gatewayError(GatewayErrorCodes.CLI_ARGS, `--${option}: ${message}`, {
      details: { option },
      ...(cause !== undefined ? { cause } : {}),
    });
  };
  const id = args.id ?? bad('id', 'required');
  if (!ID_PATTERN.test(id)) bad('id', `${JSON.stringify(id)} must match ${ID_PATTERN.source}`);
  const dataDir = args.dataDir ?? bad('data-dir', 'required');
  if (dataDir.trim() === '') bad('data-dir', 'must not be empty');
  const upstreamUrl = args.upstream ?? bad('upstream', 'required (the fleet broker, e.g. mqtt://fleet:1883)');
  let url: URL | undefined;
  try {
    url = new URL(upstreamUrl);
  } catch (cause) {
    bad('upstream', `${JSON.stringify(upstreamUrl)} is not a URL`, cause);
  }
  if (url && !UPSTREAM_PROTOCOLS.has(url.protocol))
    bad('upstream', `protocol ${url.protocol} is not one of ${[...UPSTREAM_PROTOCOLS].join(' ')}`);
  const portText = args.port ?? String(DEFAULT_LOCAL_PORT);
  const localPort = Number(portText);
  if (!/^\d+$/.test(portText) || localPort > 65535)
    bad('port', `${JSON.stringify(portText)} is not a port number (0–65535)`);
  const keyPath = args.publicKey ?? bad('public-key', 'required (the fleet signing public key, PEM)');
  let publicKeyPem = '';
  try {
    publicKeyPem = readFileSync(keyPath, 'utf8');
  } catch (cause) {
    bad('public-key', `cannot read ${keyPath}: ${errorMessage(cause)}`, cause);
  }
  try {
    keyId(publicKeyPem);
  } catch (cause) {
    bad('public-key', `${keyPath} is not an ed25519 public key (PEM)`, cause);
  }
  return { id, dataDir, upstreamUrl, localPort, localHost: args.host ?? DEFAULT_LOCAL_HOST, publicKeyPem };
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** `outpost gateway --id <id> --data-dir <dir> --upstream <url> [--port] [--host] --public-key <pem>` */
export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('run a site gateway: local broker, artifact cache, reconcile loop, telemetry relay')
    .option('--id <id>', 'gateway id (as the fleet knows it)')
    .option('--data-dir <dir>', 'folder for gateway.db and the artifact cache')
    .option('--upstream <url>', "the fleet's MQTT broker URL")
    .option('--port <port>', `port of the site broker (0 = any free port)`, String(DEFAULT_LOCAL_PORT))
    .option('--host <host>', 'address the site broker listens on', DEFAULT_LOCAL_HOST)
    .option('--public-key <file>', "the fleet's artifact signing public key (PEM file)")
    .action(async (raw: GatewayCliArgs) => {
      let options: ReturnType<typeof parseGatewayArgs>;
      try {
        options = parseGatewayArgs(raw);
      } catch (err) {
        console.error(`error: ${errorMessage(err)}`);
        process.exitCode = 2;
        return;
      }
      let gateway: Gateway;
      try {
        gateway = await startGateway({ ...options, logger: pino({ name: 'outpost-gateway' }, pino.destination(2)) });
      } catch (err) {
        console.error(`error: could not start the gateway: ${errorMessage(err)}`);
        process.exitCode = isOutpostError(err) ? 3 : 1;
        return;
      }
      console.log(`gateway ${gateway.id} serving devices on ${gateway.localUrl} (upstream ${options.upstreamUrl})`);
      const signal = await untilSignal();
      console.log(`received ${signal}, closing`);
      await gateway.close();
    });
}

/** Every command this workspace adds to the `outpost` CLI. */
export function gatewayCommands(): Command[] {
  return [gatewayCommand()];
}
