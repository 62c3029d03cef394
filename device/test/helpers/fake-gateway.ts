import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createReceiptBatcher,
  silentLogger,
  systemClock,
  encode,
  generateSigningKeyPair,
  signDesiredState,
  topics,
  type DesiredState,
  type ModelAssignment,
} from '@outpost/protocol';
import { createMqttTransport, serveArtifacts } from '@outpost/protocol/node';
import { startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';
import type { Transport } from '@outpost/protocol';
import type { FixtureArtifact } from './fixture-artifact.ts';

/** The fleet intent key the fake gateway's desired states are signed with; devices under test are given its public half. */
export const FLEET_INTENT_KEYS = generateSigningKeyPair();
/** The gateway id the fake gateway's desired states name. */
export const FAKE_GATEWAY_ID = 'gw-test';

export interface Received {
  topic: string;
  payload: unknown;
}

/**
 * A real aedes broker on port 0 plus a client acting as the site gateway: it serves artifact
 * chunks from a folder of artifacts, publishes desired states, and records what devices publish.
 */
export interface FakeGateway {
  broker: EmbeddedBroker;
  transport: Transport;
  reported: Received[];
  telemetry: Received[];
  /** Bytes to serve instead of the stored file (tampering), by `${artifactId}/${file}`. */
  overrides: Map<string, Uint8Array>;
  /** Receipts each telemetry window as the gateway does once it stored it (default on). */
  receipting: boolean;
  /** Artifact folders outside the root (e.g. the trainer's `<name>/<version>/`), by artifact id. */
  dirs: Map<string, string>;
  /** Bytes of artifact files served, by artifact id (one read per chunk asked). */
  served: Map<string, number>;
  /** Chunk requests still to be ignored (a gateway that does not answer); each one ignored counts down. */
  dropRequests: number;
  /** Chunk requests received, answered or not. */
  requests: number;
  /** Publishes a fleet-signed site-wide desired state naming `artifacts` to one device. */
  publishDesired(
    deviceId: string,
    revision: number,
    artifacts: Pick<FixtureArtifact, 'artifactId' | 'manifest'>[],
    opts?: { rollback?: boolean },
  ): Promise<void>;
  /** Publishes `state` as it is (signed or not: forgeries) on a device's desired topic. */
  publishRaw(deviceId: string, state: DesiredState): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeGateway(artifactRoot: string): Promise<FakeGateway> {
  const broker = await startEmbeddedBroker({ port: 0 });
  const transport = createMqttTransport({
    url: broker.url,
    clientId: `gw-test-${Math.random().toString(36).slice(2, 8)}`,
    clean: true,
  });
  const overrides = new Map<string, Uint8Array>();
  const dirs = new Map<string, string>();
  const served = new Map<string, number>();
  const reported: Received[] = [];
  const telemetry: Received[] = [];
  // The artifact server's view of the transport: requests reach it unless the test drops them.
  const serving: Transport = Object.create(transport) as Transport;
  serving.route = (filter, handler, qos) =>
    transport.route(
      filter,
      (topic, payload) => {
        gateway.requests++;
        if (gateway.dropRequests > 0) {
          gateway.dropRequests--;
          return;
        }
        return handler(topic, payload);
      },
      qos,
    );
  await serveArtifacts({
    transport: serving,
    kind: 'devices',
    read: async (artifactId, file) => {
      const o = overrides.get(`${artifactId}/${file}`);
      if (o) return o;
      try {
        const bytes = await readFile(path.join(dirs.get(artifactId) ?? path.join(artifactRoot, artifactId), file));
        served.set(artifactId, (served.get(artifactId) ?? 0) + bytes.byteLength);
        return bytes;
      } catch {
        return undefined;
      }
    },
  });
  await transport.route(topics.all('devices', 'reported'), (topic, payload) => {
    reported.push({ topic, payload: JSON.parse(payload.toString()) });
  });
  const receipts = createReceiptBatcher({ from: 'gw-test', transport, clock: systemClock, logger: silentLogger });
  await transport.route(topics.all('devices', 'telemetry'), (topic, payload) => {
    const w = JSON.parse(payload.toString()) as { device: string; seq: number };
    telemetry.push({ topic, payload: w });
    if (gateway.receipting)
      receipts.add(topics.device(w.device, 'acks'), {
        kind: 'telemetry',
        device: w.device,
        seq: w.seq,
        outcome: 'stored',
      });
  });
  await transport.start();
  const gateway: FakeGateway = {
    broker,
    transport,
    reported,
    telemetry,
    receipting: true,
    overrides,
    dirs,
    served,
    dropRequests: 0,
    requests: 0,
    async publishDesired(deviceId, revision, artifacts, opts = {}) {
      const desired: DesiredState = {
        target: FAKE_GATEWAY_ID,
        revision,
        // From the revision, so the same revision published again is the same state (a re-delivery).
        issuedAt: new Date(Date.UTC(2026, 0, 1) + revision * 1000).toISOString(),
        models: artifacts.map((a): ModelAssignment => ({
          name: a.manifest.name,
          version: a.manifest.version,
          artifactId: a.artifactId,
          ...(opts.rollback ? { rollback: true as const } : {}),
        })),
      };
      const signed = signDesiredState(desired, FLEET_INTENT_KEYS);
      await transport.publish(topics.device(deviceId, 'desired'), encode(signed), { qos: 1, retain: true });
    },
    async publishRaw(deviceId, state) {
      await transport.publish(topics.device(deviceId, 'desired'), encode(state), { qos: 1, retain: true });
    },
    async close() {
      receipts.stop();
      await transport.close();
      await broker.close();
    },
  };
  return gateway;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
