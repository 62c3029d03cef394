import type { Transport } from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { FleetErrorCodes, fleetError } from '../errors.ts';

/** A short-lived CLI connection to the fleet's broker; OUTPOST_ERR_BROKER_UNREACHABLE after `timeoutMs`. */
export async function connectBroker(url: string, timeoutMs: number): Promise<Transport> {
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
