import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock, type Transport } from '@outpost/protocol';
import { createMqttTransport, withLifecycle, type CommandContext } from '@outpost/protocol/node';
import { assign } from '../desired-state.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { SERVICE_CREDENTIALS_FILE, operatorClientId, readServiceCredential } from '../identity/service-credential.ts';
import type { AssignOptions } from './index.ts';

async function connect(url: string, timeoutMs: number, dataDir: string): Promise<Transport> {
  // Only the fleet publishes desired states: the command acts under the fleet's own credential
  // (created at the fleet's first start; without it the broker refuses the command).
  const cred = existsSync(join(dataDir, SERVICE_CREDENTIALS_FILE)) ? readServiceCredential(dataDir) : undefined;
  const transport = createMqttTransport({
    url,
    clientId: cred ? operatorClientId(cred) : `outpost-cli-${process.pid}-${Date.now()}`,
    clean: true,
    ...(cred ? { username: cred.username, password: cred.password } : {}),
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

/** `outpost assign <gateway> <model> <version>`: stores the next desired state and publishes it retained. */
export async function runAssign(
  gateway: string,
  model: string,
  version: number,
  opts: AssignOptions,
  ctx: CommandContext,
): Promise<void> {
  await withLifecycle(
    async (lifecycle) => {
      const store = await lifecycle.start(
        'store',
        () => openSqliteStore(join(resolve(opts.dataDir), FLEET_DB_FILE)),
        (s) => s.close(),
      );
      if (!store.findArtifact(model, version)) {
        throw fleetError(
          FleetErrorCodes.VERSION_NOT_REGISTERED,
          `no registered artifact for ${model} v${version}; run \`outpost register\` first`,
          { model, version },
        );
      }
      const transport = await lifecycle.start(
        'broker connection',
        () => connect(opts.broker, opts.timeout, resolve(opts.dataDir)),
        (t) => t.close(),
      );
      const state = await assign({ store, clock: systemClock, transport }, gateway, model, version, opts.devices);
      ctx.io.out(`assigned ${model} v${version} to ${gateway} (revision ${state.revision})`);
    },
    { source: ctx.signals },
  );
}
