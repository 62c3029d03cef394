import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { systemClock, type Transport } from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { assign } from '../desired-state.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import {
  DEFAULT_BROKER_URL,
  DEFAULT_DATA_DIR,
  brokerUrlArg,
  idArg,
  idListArg,
  integerArg,
  versionArg,
} from './args.ts';
import { runAction, type CliIO } from './io.ts';

async function connect(url: string, timeoutMs: number): Promise<Transport> {
  const transport = createMqttTransport({
    url,
    clientId: `outpost-cli-${process.pid}-${Date.now()}`,
    clean: true,
    connectTimeoutMs: timeoutMs,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      transport.start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              fleetError(
                FleetErrorCodes.BROKER_UNREACHABLE,
                `cannot reach the broker at ${url}; is the fleet running? (--broker <url>)`,
                { url },
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
    return transport;
  } catch (err) {
    await transport.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

interface AssignOptions {
  dataDir: string;
  broker: string;
  devices?: string[];
  timeout: number;
}

/** `outpost assign <gateway> <model> <version>`: stores the next desired state and publishes it retained. */
export function assignCommand(io: CliIO): Command {
  return new Command('assign')
    .description("assign a registered model version to a gateway (publishes the gateway's retained desired state)")
    .argument('<gateway>', 'gateway id', idArg('gateway'))
    .argument('<model>', 'model name', idArg('model'))
    .argument('<version>', 'model version (a positive integer)', versionArg)
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--broker <url>', "the fleet's MQTT broker", brokerUrlArg, DEFAULT_BROKER_URL)
    .option('--devices <ids>', 'comma-separated device ids (default: every device of the gateway)', idListArg('device'))
    .option('--timeout <ms>', 'how long to wait for the broker', integerArg('timeout', 1), 5000)
    .action((gateway: string, model: string, version: number, opts: AssignOptions) =>
      runAction(io, async () => {
        const store = openSqliteStore(join(resolve(opts.dataDir), FLEET_DB_FILE));
        try {
          if (!store.findArtifact(model, version)) {
            throw fleetError(
              FleetErrorCodes.ARTIFACT_NOT_FOUND,
              `no registered artifact for ${model} v${version}; run \`outpost register\` first`,
              { model, version },
            );
          }
          const transport = await connect(opts.broker, opts.timeout);
          try {
            const state = await assign({ store, clock: systemClock, transport }, gateway, model, version, opts.devices);
            io.out(`assigned ${model} v${version} to ${gateway} (revision ${state.revision})`);
          } finally {
            await transport.close();
          }
        } finally {
          store.close();
        }
      }),
    );
}
