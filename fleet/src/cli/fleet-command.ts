import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { loadOrCreateKeyPair } from '@outpost/protocol/node';
import { pino } from 'pino';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { startFleet } from '../fleet.ts';
import { DEFAULT_DATA_DIR, brokerUrlArg, portArg } from './args.ts';
import { runAction, type CliIO } from './io.ts';

/** Where `outpost fleet` looks for the signing public key unless told: `<data-dir>/keys/signing.pub`. */
export function defaultPublicKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'signing.pub');
}

/** Reads the public key file, with a clear error when it is missing. */
export function readPublicKey(path: string): string {
  if (!existsSync(path)) {
    throw fleetError(
      FleetErrorCodes.CLI_ARGS,
      `public key file ${path} not found; pass --public-key <file> (the trainer writes signing.pub next to its signing key)`,
      {
        path,
      },
    );
  }
  return readFileSync(path, 'utf8');
}

interface FleetCommandOptions {
  dataDir: string;
  port: number;
  host: string;
  broker?: string;
  publicKey?: string;
  logLevel: string;
}

export function fleetCommand(io: CliIO): Command {
  return new Command('fleet')
    .description('run the fleet service: broker (embedded unless --broker), registry, ingestion, artifact server')
    .option('--data-dir <dir>', 'fleet data folder (fleet.db, artifacts/)', DEFAULT_DATA_DIR)
    .option('--port <n>', 'embedded broker port (0 = any free port)', portArg, 1883)
    .option('--host <h>', 'embedded broker host', '127.0.0.1')
    .option('--broker <url>', 'use this MQTT 3.1.1 broker instead of the embedded one', brokerUrlArg)
    .option(
      '--public-key <file>',
      'artifact signing public key (PEM); default <data-dir>/keys/signing.pub, created with its private key on first use',
    )
    .option('--log-level <level>', 'pino log level', 'info')
    .action((opts: FleetCommandOptions) =>
      runAction(io, async () => {
        const dataDir = resolve(opts.dataDir);
        // Issue "Model artifacts" §5: without --public-key, the fleet's own key pair lives in its data
        // dir and is created on first use; `outpost build --keys <data-dir>/keys` signs with it.
        // (The fleet itself only needs the public half; the private key may live elsewhere.)
        let publicKeyPem: string;
        if (opts.publicKey !== undefined || existsSync(defaultPublicKeyPath(dataDir))) {
          publicKeyPem = readPublicKey(opts.publicKey ?? defaultPublicKeyPath(dataDir));
        } else {
          publicKeyPem = loadOrCreateKeyPair(join(dataDir, 'keys')).publicKeyPem;
          io.out(`created the fleet's signing key pair in ${join(dataDir, 'keys')}`);
        }
        const logger = pino({ level: opts.logLevel }, pino.destination(2));
        const fleet = await startFleet({
          dataDir,
          port: opts.port,
          host: opts.host,
          publicKeyPem,
          logger,
          ...(opts.broker !== undefined ? { brokerUrl: opts.broker } : {}),
        });
        io.out(`fleet running; broker ${fleet.brokerUrl}; data ${dataDir}`);
        await io.waitForStop();
        await fleet.close();
        io.out('fleet stopped');
      }),
    );
}
