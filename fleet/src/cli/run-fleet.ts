import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliErrorCodes, OutpostError, systemClock, type Logger } from '@outpost/protocol';
import {
  createLogger,
  loadOrCreateKeyPair,
  usageError,
  withLifecycle,
  type CommandContext,
  type LogLevel,
} from '@outpost/protocol/node';
import { startFleet } from '../fleet.ts';
import { retrainRoutes } from '../http/routes/retrain.ts';
import { openFleetRetrain, type FleetRetrain } from '../retrain/fleet-retrain.ts';
import type { FleetCommandOptions } from './index.ts';

/** Where `outpost fleet` looks for the signing public key unless told: `<data-dir>/keys/signing.pub`. */
export function defaultPublicKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'signing.pub');
}

/** Reads the public key file, with a clear error when it is missing. */
export function readPublicKey(path: string): string {
  if (!existsSync(path)) {
    throw new OutpostError(
      CliErrorCodes.CLI_ARGS,
      `--public-key: file ${path} not found; pass --public-key <file> (the trainer writes signing.pub next to its signing key)`,
      { details: { option: '--public-key', path } },
    );
  }
  return readFileSync(path, 'utf8');
}

function openRetrain(dataDir: string, publicKeyPem: string, logger: Logger): FleetRetrain {
  mkdirSync(dataDir, { recursive: true });
  return openFleetRetrain({ dataDir, publicKeyPem, logger, clock: systemClock });
}

/** `outpost fleet`: runs the fleet until SIGINT or SIGTERM, then closes it. */
export async function runFleet(opts: FleetCommandOptions, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const dataDir = resolve(opts.dataDir);
  // Without --public-key, the fleet's own key pair lives in its data dir and is created on first
  // use; `outpost build --keys <data-dir>/keys` signs with it. (The fleet needs only the public half.)
  let publicKeyPem: string;
  if (opts.publicKey !== undefined || existsSync(defaultPublicKeyPath(dataDir))) {
    publicKeyPem = readPublicKey(opts.publicKey ?? defaultPublicKeyPath(dataDir));
  } else {
    publicKeyPem = loadOrCreateKeyPair(join(dataDir, 'keys')).publicKeyPem;
    io.out(`created the fleet's signing key pair in ${join(dataDir, 'keys')}`);
  }
  const file = (option: string, path: string): Buffer => {
    if (!existsSync(path)) throw usageError(option, `file ${path} not found`);
    return readFileSync(path);
  };
  if ((opts.tlsKey === undefined) !== (opts.tlsCert === undefined))
    throw usageError('--tls-key', '--tls-key and --tls-cert go together');
  const tls =
    opts.tlsKey !== undefined && opts.tlsCert !== undefined
      ? { key: file('--tls-key', opts.tlsKey), cert: file('--tls-cert', opts.tlsCert) }
      : undefined;
  const brokerCa = opts.brokerCa !== undefined ? file('--broker-ca', opts.brokerCa) : undefined;
  const logger = createLogger({ level: opts.logLevel as LogLevel, name: 'outpost-fleet' });
  await withLifecycle(
    async (lifecycle) => {
      // Retraining (docs/MONITORING.md "Retraining"): <data-dir>/retrain.json, the API's retrain-runs, the alert trigger.
      const retrain = await lifecycle.start(
        'retrain',
        () => openRetrain(dataDir, publicKeyPem, logger),
        (r) => r.close(),
      );
      const fleet = await lifecycle.start(
        'fleet',
        () =>
          startFleet({
            dataDir,
            port: opts.port,
            host: opts.host,
            publicKeyPem,
            logger,
            ...(opts.broker !== undefined ? { brokerUrl: opts.broker } : {}),
            ...(opts.enrollPort !== undefined ? { enrollPort: opts.enrollPort } : {}),
            ...(opts.apiPort !== undefined ? { apiPort: opts.apiPort } : {}),
            ...(tls ? { tls } : {}),
            ...(brokerCa ? { brokerCa } : {}),
            ...(opts.maxPacketBytes !== undefined ? { maxPacketBytes: opts.maxPacketBytes } : {}),
            apiRoutes: [retrainRoutes(retrain)],
            onAlert: (alert) => retrain.onAlert(alert),
          }),
        (f) => f.close(),
      );
      retrain.attach(fleet);
      io.out(`fleet running; broker ${fleet.brokerUrl}; data ${dataDir}`);
      if (fleet.enrollUrl !== undefined) io.out(`gateway enrolment at ${fleet.enrollUrl}`);
      if (fleet.apiUrl !== undefined)
        io.out(`operator API and dashboard at ${fleet.apiUrl}/ (tokens: outpost token create --role admin)`);
      const signal = await lifecycle.untilStopped();
      logger.info({ signal }, 'stopping');
    },
    { source: ctx.signals, onCloseError: (name, err) => logger.error({ err, part: name }, `closing ${name} failed`) },
  );
  io.out('fleet stopped');
}
