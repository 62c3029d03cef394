/**
 * The device runtime as a Pi runs it, against anchors measured in the same run (docs/BENCHMARKS.md
 * "Device runtime"). `protocol` and `device` are packed and installed into an empty folder
 * (stack/pack.ts; production dependencies only), and everything below runs there with plain `node`.
 *
 *   npx tsx bench/device-runtime.ts [--iterations 2000] [--warmup 5000] [--http-warmup 2000] [--requests 20000]
 *
 * For each committed build (housing v1: GBDT; occupancy v2: a small tree) and each ONNX engine:
 * - memory: RSS of `outpost-device device` loaded and serving (after the load below) against a bare
 *   process holding the same session in the same runtime (budget ≤ 160 MB);
 * - in process: `device.predict` on one row against the bare `session.run` (budget ≤ 1.5×), both
 *   timed after `--warmup` calls (a device serves for days: the steady state is the budget), with
 *   the first 2,000 calls' median printed beside it (the JIT and the first prediction-log flushes);
 * - HTTP: `POST /predict` at concurrency 1 against hello-world fastify at c=1 plus the bare run
 *   (budget ≤ 1.5×), and throughput at c=8 against 1 / (1/hello_rps + t_engine) (budget ≥ 0.8×);
 *   beside them, informative, a second anchor: fastify running the bare session on each request
 *   (what the engine costs between requests, which the tight-loop anchor does not show);
 * - swaps: RSS after 20 model swaps (load, smoke test, release the replaced session) against
 *   after 1 (budget ≤ 1.10×).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPackages } from '../stack/pack.ts';
import { BARE_SESSION, HELLO, HELLO_SESSION, IN_PROCESS, SWAPS } from './device-runtime/probes.ts';
import { httpLoad, type LoadResult } from './device-runtime/http-load.ts';
import { median, percentile } from './lib/table.ts';
import { numberArg } from './lib/args.ts';

const iterations = numberArg('--iterations', 2000);
const requests = numberArg('--requests', 20000);
const warmup = numberArg('--warmup', 5000);
const httpWarmup = numberArg('--http-warmup', 2000);

const ROOT = join(import.meta.dirname, '..');
const KEY = join(ROOT, 'firmware-models', 'signing.pub');
const MODELS = [
  { label: 'housing v1 (GBDT)', dir: join(ROOT, 'firmware-models', 'housing', '1') },
  { label: 'occupancy v2 (tree)', dir: join(ROOT, 'firmware-models', 'occupancy', '2') },
];
const ENGINES = ['onnxruntime-node', 'onnxruntime-web'] as const;

const root = mkdtempSync(join(tmpdir(), 'outpost-bench-runtime-'));
const app = join(root, 'app');

/**
 * The node flags and environment a device runs with (its shebang and systemd unit, docs/DEVICE.md
 * "Memory"); the probes run with them too, the bare anchors included, so both sides of a ratio
 * share the runtime's settings. (Without the young-generation cap, V8 grows the young generation
 * during the first few thousand calls and a call costs 2–3× more meanwhile.)
 */
const DEVICE_NODE_FLAGS = ['--max-semi-space-size=1'];
const DEVICE_ENV = { ...process.env, MALLOC_ARENA_MAX: '2' };

function nodeJson<T>(script: string, args: string[]): T {
  const out = execFileSync(process.execPath, ['--expose-gc', ...DEVICE_NODE_FLAGS, script, ...args], {
    cwd: app,
    encoding: 'utf8',
    env: DEVICE_ENV,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}

async function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /(?:serving on|listening on) (http:\/\/\S+)/.exec(out)?.[1];
    if (url) return { child, url };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no URL from ${args.join(' ')}:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

const fmt = (n: number, d = 1): string => n.toFixed(d);

try {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const tarballs = packPackages(join(root, 'packages'));
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'bench', private: true, type: 'module', allowScripts: { 'onnxruntime-node': false } }),
  );
  execFileSync('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], {
    cwd: app,
    stdio: 'ignore',
  });
  const scripts = { bare: BARE_SESSION, inproc: IN_PROCESS, swaps: SWAPS, hello: HELLO, helloSession: HELLO_SESSION };
  for (const [name, text] of Object.entries(scripts)) writeFileSync(join(app, `${name}.mjs`), text);
  const main = join(app, 'node_modules', '@outpost', 'device', 'dist', 'cli', 'main.js');

  // Request bodies: the build's golden rows that /predict accepts (edge-case goldens with a null
  // input the model never saw missing are a 400 by design). The HTTP anchor, measured once for the
  // run, takes the first model's (bodies barely matter to it).
  const bodiesOf = (dir: string): string[] =>
    (
      JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { golden: { inputs: Record<string, unknown> }[] }
    ).golden
      .filter((g) =>
        Object.values(g.inputs).every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))),
      )
      .map((g) => JSON.stringify({ inputs: g.inputs }));
  const hello = await startProcess([join(app, 'hello.mjs')]);
  const helloBodies = bodiesOf(MODELS[0]!.dir);
  const hello1 = await httpLoad(`${hello.url}/predict`, helloBodies, {
    concurrency: 1,
    requests: iterations,
    warmup: httpWarmup,
  });
  const hello8 = await httpLoad(`${hello.url}/predict`, helloBodies, { concurrency: 8, requests, warmup: httpWarmup });
  await stop(hello.child);
  console.log(
    `anchor hello-world fastify: c=1 median ${fmt(median(hello1.latencyUs))} µs p95 ${fmt(percentile(hello1.latencyUs, 95))} µs; c=8 ${fmt(hello8.rps, 0)} req/s`,
  );

  const rows: string[] = [];
  for (const model of MODELS) {
    for (const engine of ENGINES) {
      const bare = nodeJson<{ rssMb: number; runUs: number[]; warmUs: number[] }>(join(app, 'bare.mjs'), [
        engine,
        model.dir,
        String(iterations),
        String(warmup),
      ]);
      const dataDir = join(root, `data-${rows.length}`);
      execFileSync(
        process.execPath,
        [main, 'provision', '--artifact', model.dir, '--data-dir', dataDir, '--public-key', KEY, '--engine', engine],
        {
          cwd: app,
          stdio: 'ignore',
        },
      );
      const inproc = nodeJson<{ predictUs: number[]; warmUs: number[] }>(join(app, 'inproc.mjs'), [
        engine,
        dataDir,
        model.dir,
        KEY,
        String(iterations),
        String(warmup),
      ]);
      // As the documented systemd unit and `outpost-device`'s shebang start it (docs/DEVICE.md "Memory"):
      // young generation capped, at most two malloc arenas.
      const device = await startProcess(
        [
          ...DEVICE_NODE_FLAGS,
          main,
          'device',
          '--id',
          'bench-dev',
          '--data-dir',
          dataDir,
          '--broker',
          'mqtt://127.0.0.1:9',
          '--public-key',
          KEY,
          '--engine',
          engine,
          '--http-port',
          '0',
          '--log-level',
          'error',
          '--window-rows',
          '1000000',
        ],
        DEVICE_ENV,
      );
      const bodies = bodiesOf(model.dir);
      const c1: LoadResult = await httpLoad(`${device.url}/predict`, bodies, {
        concurrency: 1,
        requests: iterations,
        warmup: httpWarmup,
      });
      const c8: LoadResult = await httpLoad(`${device.url}/predict`, bodies, {
        concurrency: 8,
        requests,
        warmup: httpWarmup,
      });
      const serving = rssMb(device.child.pid as number);
      await stop(device.child);
      // The second anchor (informative, not the budget's): fastify running the bare session per request.
      const withSession = await startProcess(
        [...DEVICE_NODE_FLAGS, join(app, 'helloSession.mjs'), engine, model.dir],
        DEVICE_ENV,
      );
      const s1 = await httpLoad(`${withSession.url}/predict`, bodies, {
        concurrency: 1,
        requests: iterations,
        warmup: httpWarmup,
      });
      const s8 = await httpLoad(`${withSession.url}/predict`, bodies, { concurrency: 8, requests, warmup: httpWarmup });
      await stop(withSession.child);

      const tEngine = median(bare.runUs);
      const c1Ratio = median(c1.latencyUs) / (median(hello1.latencyUs) + tEngine);
      const c8Expected = 1 / (1 / hello8.rps + tEngine / 1e6);
      const inRatio = median(inproc.predictUs) / tEngine;
      const row = [
        `${model.label}, ${engine}`,
        `RSS ${fmt(serving)} MB (bare ${fmt(bare.rssMb)} MB, ${fmt(serving / bare.rssMb, 2)}×) ${serving <= 160 ? 'ok' : 'OVER 160'}`,
        `session.run median ${fmt(tEngine)} µs p95 ${fmt(percentile(bare.runUs, 95))} µs`,
        `device.predict median ${fmt(median(inproc.predictUs))} µs p95 ${fmt(percentile(inproc.predictUs, 95))} µs → ${fmt(inRatio, 2)}× ${inRatio <= 1.5 ? 'ok' : 'OVER 1.5'}`,
        `first 2,000 calls (warm-up): device.predict median ${fmt(median(inproc.warmUs.slice(0, 2000)))} µs, session.run ${fmt(median(bare.warmUs.slice(0, 2000)))} µs`,
        `POST /predict c=1 median ${fmt(median(c1.latencyUs))} µs p95 ${fmt(percentile(c1.latencyUs, 95))} µs → ${fmt(c1Ratio, 2)}× ${c1Ratio <= 1.5 ? 'ok' : 'OVER 1.5'}`,
        `POST /predict c=8 ${fmt(c8.rps, 0)} req/s vs ${fmt(c8Expected, 0)} → ${fmt(c8.rps / c8Expected, 2)}× ${c8.rps / c8Expected >= 0.8 ? 'ok' : 'UNDER 0.8'}; failures ${c1.failures + c8.failures}`,
        `second anchor, fastify + bare session per request: c=1 median ${fmt(median(s1.latencyUs))} µs (device ${fmt(median(c1.latencyUs) / median(s1.latencyUs), 2)}×), c=8 ${fmt(s8.rps, 0)} req/s (device ${fmt(c8.rps / s8.rps, 2)}×)`,
      ];
      rows.push(row.join('\n  '));
      console.log(rows[rows.length - 1]);
    }
  }
  for (const engine of ENGINES) {
    const swaps = nodeJson<{ rssMb: number[] }>(join(app, 'swaps.mjs'), [engine, MODELS[0]!.dir, MODELS[1]!.dir]);
    const first = swaps.rssMb[0] as number;
    const last = swaps.rssMb[19] as number;
    console.log(
      `swaps, ${engine}: RSS after 1 swap ${fmt(first)} MB, after 20 ${fmt(last)} MB → ${fmt(last / first, 3)}× ${last / first <= 1.1 ? 'ok' : 'OVER 1.10'}`,
    );
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
