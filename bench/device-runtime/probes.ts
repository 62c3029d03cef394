/**
 * Scripts the device-runtime bench runs with plain `node` inside the folder where the packed
 * device is installed (so they load the compiled packages, as a Pi does). Each prints one JSON line.
 */

/**
 * The bare session both engine anchors hold (`engine` and `dir` from the script's arguments): one
 * thread, no arena, and the feeds of a row built per call as [1, 1] tensors.
 */
const SESSION = `
const ort = await import(engine);
if (engine === 'onnxruntime-web') ort.env.wasm.numThreads = 1;
const manifest = JSON.parse(readFileSync(dir + '/manifest.json', 'utf8'));
const options = engine === 'onnxruntime-node'
  ? { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, enableCpuMemArena: false }
  : { executionProviders: ['wasm'] };
const session = await ort.InferenceSession.create(readFileSync(dir + '/model.onnx'), options);
const feedsOf = (row) => Object.fromEntries(manifest.inputs.map((i) => {
  const v = row[i.name];
  return [i.name, i.type === 'float'
    ? new ort.Tensor('float32', Float32Array.of(typeof v === 'number' ? v : NaN), [1, 1])
    : new ort.Tensor('string', [typeof v === 'string' ? v : ''], [1, 1])];
}));
`;

/** A bare onnxruntime process holding one session: the memory anchor and the engine-time anchor. */
export const BARE_SESSION = `
import { readFileSync } from 'node:fs';
const [engine, dir, iterations, warmup] = process.argv.slice(2);
${SESSION}const rows = manifest.golden.map((g) => g.inputs);
const times = [];
for (let i = 0; i < Number(warmup) + Number(iterations); i++) {
  const feeds = feedsOf(rows[i % rows.length]);
  const t0 = performance.now();
  await session.run(feeds);
  times.push((performance.now() - t0) * 1000);
}
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify({
  rssMb: process.memoryUsage().rss / 2 ** 20,
  warmUs: times.slice(0, Number(warmup)),
  runUs: times.slice(Number(warmup)),
}));
`;

/** The device runtime in process: device.predict on one row against the same rows. */
export const IN_PROCESS = `
import { readFileSync } from 'node:fs';
import { startDevice, selectEngine } from '@outpost/device';
const [engineName, dataDir, dir, keyFile, iterations, warmup] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(dir + '/manifest.json', 'utf8'));
const { engine } = await selectEngine(engineName);
const device = await startDevice({ id: 'bench-1', dataDir, brokerUrl: 'mqtt://127.0.0.1:9',
  publicKeyPem: readFileSync(keyFile, 'utf8'), engine, windowRows: 1_000_000 });
const rows = manifest.golden.map((g) => g.inputs);
const times = [];
for (let i = 0; i < Number(warmup) + Number(iterations); i++) {
  const row = rows[i % rows.length];
  const t0 = performance.now();
  await device.predict([row]);
  times.push((performance.now() - t0) * 1000);
}
await device.close();
console.log(JSON.stringify({ warmUs: times.slice(0, Number(warmup)), predictUs: times.slice(Number(warmup)) }));
`;

/**
 * What a model swap does to an engine's memory: load the other model, smoke-test it on its golden
 * records, release the session it replaces — 20 times over two models.
 */
export const SWAPS = `
import { readFileSync } from 'node:fs';
import { Manifest } from '@outpost/protocol';
import { selectEngine, smokeTest } from '@outpost/device';
const [engineName, dirA, dirB] = process.argv.slice(2);
const { engine } = await selectEngine(engineName);
const load = async (dir) => {
  const manifest = Manifest.parse(JSON.parse(readFileSync(dir + '/manifest.json', 'utf8')));
  const session = await engine.load(readFileSync(dir + '/model.onnx'), manifest);
  await smokeTest(session, manifest);
  return session;
};
let active = await load(dirA);
const rss = [];
for (let i = 1; i <= 20; i++) {
  const next = await load(i % 2 === 1 ? dirB : dirA);
  await active.release();
  active = next;
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  rss.push(process.memoryUsage().rss / 2 ** 20);
}
console.log(JSON.stringify({ rssMb: rss }));
`;

/** Hello-world fastify: the HTTP anchor (same JSON body in, a small JSON body out). */
export const HELLO = `
import Fastify from 'fastify';
const app = Fastify({ logger: false });
app.post('/predict', async () => ({ predictions: [0.5] }));
await app.listen({ host: '127.0.0.1', port: 0 });
console.log('listening on http://127.0.0.1:' + app.server.address().port);
`;

/**
 * A second HTTP anchor, printed beside the budget's: fastify with no validation, no logging, no
 * metrics, running the bare session on each request's row (feeds built as BARE_SESSION builds
 * them). What an engine run costs between HTTP requests, which a tight loop does not show.
 */
export const HELLO_SESSION = `
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
const [engine, dir] = process.argv.slice(2);
${SESSION}const app = Fastify({ logger: false });
app.post('/predict', async (req) => {
  const out = await session.run(feedsOf(req.body.inputs));
  return { predictions: [Number(out[manifest.predictionOutput].data[0])] };
});
await app.listen({ host: '127.0.0.1', port: 0 });
console.log('listening on http://127.0.0.1:' + app.server.address().port);
`;
