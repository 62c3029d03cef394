/**
 * Device prediction overhead: what the device runtime adds on top of a bare onnxruntime-web
 * session.run (the anchor, measured in the same run on the same artifact and rows).
 *
 *   npx tsx bench/device-predict.ts [--iterations 2000]
 *
 * Rows: `device.predict([row])` in process (input validation, feeds, session, telemetry window
 * accounting) and `POST /predict` over loopback HTTP (fastify, JSON both ways). The artifact is the
 * committed housing v1 build (GBDT over the housing spec's pipeline), registered against
 * firmware-models/signing.pub; the rows are its dataset copy's, narrowed to the model's inputs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { startDevice } from '@outpost/device';
import { startFleet } from '@outpost/fleet';
import { startGateway } from '@outpost/gateway';
import { loadStackModel } from '../stack/model.ts';
import { percentile, median } from './lib/table.ts';

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 2000;
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-device-'));

async function time(fn: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < 200; i++) await fn();
  const all: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    all.push((performance.now() - t0) * 1000);
  }
  return { median: median(all), p95: percentile(all, 95) };
}

try {
  const built = await loadStackModel({
    name: 'housing',
    version: 1,
    rowsCsv: 'trainer/datasets/california-housing/housing.csv',
  });
  const fleet = await startFleet({ dataDir: join(dir, 'fleet'), port: 0, publicKeyPem: built.publicKeyPem });
  const reg = await fleet.registerArtifact(built.dir);
  await fleet.assign('site', reg.name, reg.version, undefined, { allowUnknown: true }); // the gateway starts next
  const gateway = await startGateway({
    id: 'site',
    dataDir: join(dir, 'gw'),
    upstreamUrl: fleet.brokerUrl,
    localPort: 0,
    publicKeyPem: built.publicKeyPem,
    fleetKeyPem: fleet.intentPublicKeyPem,
  });
  const device = await startDevice({
    id: 'd1',
    dataDir: join(dir, 'dev'),
    brokerUrl: gateway.localUrl,
    publicKeyPem: built.publicKeyPem,
    fleetKeyPem: fleet.intentPublicKeyPem,
    windowRows: 100_000,
  });
  await device.waitForModel(undefined, 60_000);

  const rows = built.rows.filter((_r, i) => i % 20 === 0).slice(0, 1000);
  let k = 0;
  const next = (): (typeof rows)[number] => rows[k++ % rows.length] as (typeof rows)[number];

  // Anchor: a bare session on the same model bytes, feeds built once per row as a caller would.
  const session = await ort.InferenceSession.create(readFileSync(join(built.dir, 'model.onnx')));
  const inputs = built.manifest.inputs;
  const bare = await time(async () => {
    const row = next();
    const feeds: Record<string, ort.Tensor> = {};
    for (const spec of inputs) {
      const v = row[spec.name] ?? null;
      feeds[spec.name] =
        spec.type === 'float'
          ? new ort.Tensor('float32', Float32Array.of(typeof v === 'number' ? v : NaN), [1, 1])
          : new ort.Tensor('string', [typeof v === 'string' ? v : ''], [1, 1]);
    }
    await session.run(feeds);
  });
  const inProcess = await time(() => device.predict([next()]));
  const http = await time(() =>
    fetch(`${device.httpUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: next() }),
    }).then((r) => r.json()),
  );

  console.log(`device prediction, batch 1, housing v1 artifact (GBDT), ${iterations} iterations after 200 warm-up`);
  console.log('path                          median µs   p95 µs   ratio to anchor');
  const line = (name: string, t: { median: number; p95: number }): void =>
    console.log(
      `${name.padEnd(30)}${t.median.toFixed(1).padStart(9)}${t.p95.toFixed(1).padStart(9)}${(t.median / bare.median).toFixed(2).padStart(12)}×`,
    );
  line('anchor: ort-web session.run', bare);
  line('device.predict (in process)', inProcess);
  line('POST /predict (loopback HTTP)', http);

  await session.release();
  await device.close();
  await gateway.close();
  await fleet.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
