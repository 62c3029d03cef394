import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createReceiptBatcher, encode, silentLogger, systemClock, topics, type DesiredState } from '@outpost/protocol';
import { createMqttTransport, serveArtifacts } from '@outpost/protocol/node';
import { startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';
import type { Transport } from '@outpost/protocol';
import type { FixtureArtifact } from './fixture-artifact.ts';

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
  publishDesired(
    deviceId: string,
    revision: number,
    artifacts: Pick<FixtureArtifact, 'artifactId' | 'manifest'>[],
  ): Promise<void>;
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
  const reported: Received[] = [];
  const telemetry: Received[] = [];
  await serveArtifacts({
    transport,
    kind: 'devices',
    read: async (artifactId, file) => {
      const o = overrides.get(`${artifactId}/${file}`);
      if (o) return o;
      try {
        return await readFile(path.join(dirs.get(artifactId) ?? path.join(artifactRoot, artifactId), file));
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
    async publishDesired(deviceId, revision, artifacts) {
      const desired: DesiredState = {
        target: deviceId,
        revision,
        issuedAt: new Date().toISOString(),
        models: artifacts.map((a) => ({
          name: a.manifest.name,
          version: a.manifest.version,
          artifactId: a.artifactId,
        })),
      };
      await transport.publish(topics.device(deviceId, 'desired'), encode(desired), { qos: 1, retain: true });
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
