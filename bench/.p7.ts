import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { Manifest } from '@outpost/protocol';
import { createOrtNodeEngine, startDevice } from '@outpost/device';
const dir = '/work/main/firmware-models/occupancy/2';
const KEY = '/work/main/firmware-models/signing.pub';
const manifest = Manifest.parse(JSON.parse(readFileSync(dir + '/manifest.json', 'utf8')));
const rows = manifest.golden.map((g) => g.inputs as any).filter((r: any) => Object.values(r).every((v) => v !== null));
const N = 5000;
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
async function time(label: string, f: (i: number) => Promise<unknown>) {
  const t: number[] = [];
  for (let i = 0; i < N + 500; i++) { const t0 = performance.now(); await f(i); if (i >= 500) t.push((performance.now() - t0) * 1000); }
  console.log(label, med(t).toFixed(1));
}
const s = await ort.InferenceSession.create(readFileSync(dir + '/model.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, enableCpuMemArena: false });
console.log('outputs', s.outputNames);
const feedsOf = (row: any) => Object.fromEntries(manifest.inputs.map((i) => [i.name, new ort.Tensor('float32', Float32Array.of(row[i.name]), [1, 1])]));
const fixed = rows.map(feedsOf);
await time('bare run prebuilt feeds', (i) => s.run(fixed[i % fixed.length]));
await time('bare run + build feeds', (i) => s.run(feedsOf(rows[i % rows.length])));
await time('bare run fetch label only', (i) => s.run(fixed[i % fixed.length], [manifest.predictionOutput]));
const eng = createOrtNodeEngine();
const sess = await eng.load(readFileSync(dir + '/model.onnx'), manifest);
await time('adapter run', (i) => sess.run([rows[i % rows.length]]));
const dataDir = mkdtempSync(join(tmpdir(), 'p7-'));
execFileSync('npx', ['tsx', 'device/src/cli/main.ts', 'provision', '--artifact', dir, '--data-dir', dataDir, '--public-key', KEY, '--engine', 'onnxruntime-node'], { cwd: '/work/main', stdio: 'inherit' });
const device = await startDevice({ id: 'b', dataDir, brokerUrl: 'mqtt://127.0.0.1:9', publicKeyPem: readFileSync(KEY, 'utf8'), engine: createOrtNodeEngine(), windowRows: 1_000_000 });
await time('device.predict', (i) => device.predict([rows[i % rows.length]]));
await time('device.predict again', (i) => device.predict([rows[i % rows.length]]));
await device.close();
process.exit(0);
