import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock, type Transport } from '@outpost/protocol';
import { createMqttTransport, type Lifecycle } from '@outpost/protocol/node';
import type { DesiredStateDeps } from '../desired-state.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { loadIntentKey } from '../intent/intent-key.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { SERVICE_CREDENTIALS_FILE, operatorClientId, readServiceCredential } from '../identity/service-credential.ts';

/**
 * A short-lived CLI connection to the fleet's broker; OUTPOST_ERR_BROKER_UNREACHABLE after
 * `timeoutMs`. Only the fleet publishes desired states, so the command acts under the fleet's own
 * credential in `dataDir` (created at the fleet's first start; without it the broker refuses it).
 */
export async function connectBroker(url: string, timeoutMs: number, dataDir: string): Promise<Transport> {
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

/**
 * What a command that changes desired state needs, opened through its lifecycle (closed with it):
 * fleet.db, the fleet's intent key and the broker connection.
 */
export async function openIntentSession(
  lifecycle: Lifecycle,
  opts: { dataDir: string; broker: string; timeout: number },
): Promise<Required<DesiredStateDeps>> {
  const dataDir = resolve(opts.dataDir);
  const store = await lifecycle.start(
    'store',
    () => openSqliteStore(join(dataDir, FLEET_DB_FILE)),
    (s) => s.close(),
  );
  const intentKeys = loadIntentKey(dataDir);
  const transport = await lifecycle.start(
    'broker connection',
    () => connectBroker(opts.broker, opts.timeout, dataDir),
    (t) => t.close(),
  );
  return { store, clock: systemClock, intentKeys, transport };
}
