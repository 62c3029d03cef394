import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  createMemoryCredentialStore,
  createTierIdentity,
  newServiceCredential,
  type ServiceCredential,
  type TierIdentity,
} from '../../src/node/index.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/node/embedded-broker.ts';
import type { NodeKind } from '../../src/index.ts';

/** A broker with authentication as a tier runs it, over a memory credential store. */
export async function authBroker(
  serves: NodeKind,
  opts: { maxPacketBytes?: number; mayRelay?: (g: string, d: string) => boolean } = {},
): Promise<{ broker: EmbeddedBroker; identity: TierIdentity; service: ServiceCredential; close(): Promise<void> }> {
  const service = newServiceCredential(serves === 'gateways' ? 'outpost-fleet' : 'gw-site-local');
  const identity = createTierIdentity({
    store: createMemoryCredentialStore(),
    serves,
    service,
    ...(opts.mayRelay ? { mayRelay: opts.mayRelay } : {}),
    revalidateMs: 50,
  });
  const broker = await startEmbeddedBroker({
    port: 0,
    auth: identity.auth,
    ...(opts.maxPacketBytes !== undefined ? { maxPacketBytes: opts.maxPacketBytes } : {}),
  });
  identity.attach(broker);
  return {
    broker,
    identity,
    service,
    async close() {
      await broker.close();
      identity.close();
    },
  };
}

/** A raw mqtt.js client; resolves on CONNACK 0, rejects with the connack error otherwise. */
export function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** The CONNACK return code a connection attempt is refused with (undefined when it connects). */
export async function refusalCode(url: string, opts: IClientOptions): Promise<number | undefined> {
  try {
    const c = await connect(url, opts);
    await c.endAsync(true);
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

/** Resolves once `c` is closed by the broker (or after `ms`, with false). */
export function closedWithin(c: MqttClient, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (!c.connected) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    c.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
