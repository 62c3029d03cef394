/**
 * The device runtime as a Pi runs it, against anchors measured in the same run (docs/BENCHMARKS.md
 * "Device runtime"). `protocol` and `device` are packed and installed into an empty folder
 * (stack/pack.ts; production dependencies only), and everything below runs there with plain `node`
 * and the device's node flags and environment (bench/device-runtime/processes.ts).
 *
 *   npx tsx bench/device-runtime.ts [--starts 3] [--iterations 2000] [--warmup 5000] [--http-warmup 2000]
 *                                   [--requests 20000] [--engines onnxruntime-node,onnxruntime-web]
 *
 * For each committed build (housing v1: GBDT; occupancy v2: a small tree) and each ONNX engine:
 * - memory: RSS of `outpost-device device` once started and after the HTTP load below (with its V8
 *   heap then, from its own /metrics) against a bare process holding the same session in the same
 *   runtime (budget ≤ 160 MB);
 * - in process: `device.predict` on one row against the bare `session.run` (budget ≤ 1.5×), both
 *   timed after `--warmup` calls (a device serves for days: the steady state is the budget), with
 *   the first 2,000 calls' median beside it (the JIT and the first prediction-log flushes);
 * - HTTP: `POST /predict` at concurrency 1 against hello-world fastify at c=1 plus the bare run
 *   (budget ≤ 1.5×), and throughput at c=8 against 1 / (1/hello_rps + t_engine) (budget ≥ 0.8×),
 *   each server warmed with `--http-warmup` requests first; beside them, informative, a second
 *   anchor: fastify running the bare session on each request (what the engine costs between
 *   requests, which the tight-loop anchor does not show).
 * Two starts of the same server can differ by half, so each is started `--starts` times,
 * interleaved round by round (bare, in process, device, hello, fastify + session; then again), and
 * the table gives each figure's median over the starts with its min–max, each ratio from the
 * medians with its min–max over the rounds' paired figures.
 * - swaps (once per engine): RSS after 20 model swaps (load, smoke test, release the replaced
 *   session) against after 1 (budget ≤ 1.10×).
 *
 * The default run (3 starts, both engines) should take about 8 minutes on an idle 2-core machine, 2
 * of them packing and installing the device (estimated; each round's seconds and the total are printed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberArg } from './lib/args.ts';
import { SERVED_BUILDS, loadAverage } from './lib/served-builds.ts';
import { nodeJson } from './device-runtime/processes.ts';
import { BUDGETS, footnote, tableHeader, tableRow } from './device-runtime/report.ts';
import { dataDirOf, runRound, type Round } from './device-runtime/round.ts';
import { bodiesOf, installRuntime } from './device-runtime/setup.ts';

const starts = numberArg('--starts', 3);
const iterations = numberArg('--iterations', 2000);
const requests = numberArg('--requests', 20000);
const warmup = numberArg('--warmup', 5000);
const httpWarmup = numberArg('--http-warmup', 2000);
const enginesArg = process.argv.indexOf('--engines');
const ENGINES =
  enginesArg > 0 ? (process.argv[enginesArg + 1] as string).split(',') : ['onnxruntime-node', 'onnxruntime-web'];

const ROOT = join(import.meta.dirname, '..');
const KEY = join(ROOT, 'firmware-models', 'signing.pub');

const root = mkdtempSync(join(tmpdir(), 'outpost-bench-runtime-'));

try {
  const began = Date.now();
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  console.log(`load average before: ${loadAverage()}`);
  const folder = installRuntime(root);
  const builds = SERVED_BUILDS.flatMap((model) => ENGINES.map((engine) => ({ model, engine })));
  const rounds: Round[][] = builds.map(() => []);
  for (let start = 0; start < starts; start++) {
    for (const [b, { model, engine }] of builds.entries()) {
      const t0 = Date.now();
      const round = await runRound(folder, {
        engine,
        modelDir: model.dir,
        key: KEY,
        bodies: bodiesOf(model.dir),
        dataDir: dataDirOf(root, b, start),
        iterations,
        requests,
        warmup,
        httpWarmup,
      });
      rounds[b]!.push(round);
      rmSync(dataDirOf(root, b, start), { recursive: true, force: true });
      console.log(
        `start ${start + 1}/${starts}, ${model.label}, ${engine}: RSS ${round.servingRss.toFixed(1)} MB, ` +
          `c=1 ${round.c1Us.toFixed(1)} µs (hello ${round.hello1Us.toFixed(1)}), c=8 ${round.c8Rps.toFixed(0)} req/s ` +
          `(hello ${round.hello8Rps.toFixed(0)}); ${((Date.now() - t0) / 1000).toFixed(0)} s, load ${loadAverage()}`,
      );
    }
  }

  console.log(
    `\n${starts} start(s) of each server, interleaved; median [min–max] over the starts; ratios from the ` +
      `medians [min–max over paired starts]; c=1 ${iterations} requests, c=8 ${requests}, after ${httpWarmup} ` +
      `warm-up requests each; in process after ${warmup} calls.\n`,
  );
  console.log(tableHeader());
  for (const [b, { model, engine }] of builds.entries()) console.log(tableRow(`${model.label}, ${engine}`, rounds[b]!));
  console.log('');
  for (const [b, { model, engine }] of builds.entries()) console.log(footnote(`${model.label}, ${engine}`, rounds[b]!));

  for (const engine of ENGINES) {
    const swaps = nodeJson<{ rssMb: number[] }>(folder.app, folder.scripts.swaps, [
      engine,
      SERVED_BUILDS[0]!.dir,
      SERVED_BUILDS[1]!.dir,
    ]);
    const first = swaps.rssMb[0] as number;
    const last = swaps.rssMb[19] as number;
    console.log(
      `swaps, ${engine}: RSS after 1 swap ${first.toFixed(1)} MB, after 20 ${last.toFixed(1)} MB → ` +
        `${(last / first).toFixed(3)}× ${last / first <= 1.1 ? 'ok' : 'OVER 1.10'}`,
    );
  }
  console.log(
    `budgets: RSS ≤ ${BUDGETS.rssMb} MB, in process ≤ ${BUDGETS.inProcess}×, c=1 ≤ ${BUDGETS.c1}×, c=8 ≥ ${BUDGETS.c8}×`,
  );
  console.log(`load average after: ${loadAverage()}; ${((Date.now() - began) / 60_000).toFixed(1)} minutes`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
