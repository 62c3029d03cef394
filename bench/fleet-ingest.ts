/**
 * Fleet telemetry ingestion: time to receive, validate and store N telemetry windows sent over MQTT
 * QoS 1, against the anchor of the same N windows delivered by the same kind of broker to a bare
 * QoS 1 subscriber that only counts them (measured in the same run).
 *
 *   npx tsx bench/fleet-ingest.ts [--windows 5000] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, generateSigningKeyPair, LATENCY_BOUNDS_MS, topics, type TelemetryWindow } from '@outpost/protocol';
import { createMqttTransport, enrollNode } from '@outpost/protocol/node';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { startFleet } from '@outpost/fleet';
import { median, percentile } from './lib/table.ts';
import { numberArg } from './lib/args.ts';

const N = numberArg('--windows', 5000);
const RUNS = numberArg('--runs', 3);

function windowOf(device: string, seq: number): TelemetryWindow {
  const bins = (k: number): number[] => Array.from({ length: k }, (_v, i) => (seq + i) % 7);
  return {
    device,
    // Relayed by a gateway, as the fleet accepts device windows only through the device's gateway.
    gateway: 'bench-gw',
    seq,
    model: 'housing',
    version: 1,
    artifactId: 'a'.repeat(64),
    windowStart: '2026-01-01T00:00:00.000Z',
    windowEnd: '2026-01-01T00:00:10.000Z',
    rows: 100,
    features: Object.fromEntries(
      ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'].map((f) => [
        f,
        { kind: 'numeric' as const, bins: bins(10), missing: 0, outOfRange: 0 },
      ]),
    ),
    predictions: { bins: bins(10), min: 1, max: 2, sum: 150 },
    latency: { counts: bins(LATENCY_BOUNDS_MS.length + 1), maxMs: 1.5 },
    errors: 0,
  };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

async function sendAll(
  url: string,
  run: number,
  creds?: { id: string; username: string; password: string },
): Promise<void> {
  const pub = createMqttTransport({
    url,
    clientId: creds ? `gw-${creds.id}` : `bench-pub-${run}`,
    clean: true,
    ...(creds ? { username: creds.username, password: creds.password } : {}),
  });
  await pub.start();
  const payloads = Array.from({ length: N }, (_v, i) => encode(windowOf(`dev-${run}`, i + 1)));
  await Promise.all(payloads.map((p) => pub.publish(topics.device(`dev-${run}`, 'telemetry'), p, { qos: 1 })));
  await pub.close();
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-ingest-'));
try {
  const anchor: number[] = [];
  const fleetTimes: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // Anchor: broker + a counting QoS 1 subscriber.
    const broker = await startEmbeddedBroker({ port: 0 });
    const sub = createMqttTransport({ url: broker.url, clientId: 'bench-sub', clean: true });
    let got = 0;
    await sub.route(topics.all('devices', 'telemetry'), () => {
      got++;
    });
    await sub.start();
    let t0 = performance.now();
    await sendAll(broker.url, run);
    await until(() => got >= N);
    anchor.push((performance.now() - t0) / 1000);
    await sub.close();
    await broker.close();

    // The fleet: embedded broker, decode + validate, SQLite insert per window.
    const fleet = await startFleet({
      dataDir: join(dir, `fleet-${run}`),
      port: 0,
      enrollPort: 0,
      publicKeyPem: generateSigningKeyPair().publicKeyPem,
    });
    // The publisher is an enrolled gateway relaying its device (docs/SECURITY.md "Broker access").
    const creds = await enrollNode({
      url: fleet.enrollUrl as string,
      token: fleet.createEnrollToken(`bench-gw-${run}`).token,
      dataDir: join(dir, `gw-${run}`),
    });
    t0 = performance.now();
    await sendAll(fleet.brokerUrl, run, creds);
    await until(() => fleet.stats().telemetryStored >= N);
    fleetTimes.push((performance.now() - t0) / 1000);
    await fleet.close();
  }
  const a = median(anchor);
  const f = median(fleetTimes);
  console.log(`fleet ingestion of ${N} telemetry windows over MQTT QoS 1, ${RUNS} runs`);
  console.log('side                                 median s   p95 s   windows/s   ratio');
  console.log(
    `anchor: broker → counting subscriber ${a.toFixed(3).padStart(9)}${percentile(anchor, 95).toFixed(3).padStart(8)}${(N / a).toFixed(0).padStart(12)}    1.00×`,
  );
  console.log(
    `fleet: validate + store in SQLite    ${f.toFixed(3).padStart(9)}${percentile(fleetTimes, 95).toFixed(3).padStart(8)}${(N / f).toFixed(0).padStart(12)}${(f / a).toFixed(2).padStart(8)}×`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
