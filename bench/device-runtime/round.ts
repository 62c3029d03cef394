/**
 * One round of the device-runtime bench for one build and engine: each process started once, one
 * after the other — the bare session (engine time and memory anchor), the device in process, the
 * device serving HTTP, hello-world fastify, fastify + a bare session per request. The program runs
 * several rounds, so that every server is started several times, interleaved with the others.
 */
import { join } from 'node:path';
import { median, percentile } from '../lib/table.ts';
import { httpLoad } from './http-load.ts';
import { deviceHeap, nodeJson, rssOf, startServer, stopServer, type Server } from './processes.ts';
import { provision, type RuntimeFolder } from './setup.ts';

export interface RoundOptions {
  engine: string;
  modelDir: string;
  /** The signing key the build verifies against. */
  key: string;
  bodies: readonly string[];
  /** Where this round's data directory goes (a fresh one per round). */
  dataDir: string;
  iterations: number;
  requests: number;
  warmup: number;
  httpWarmup: number;
}

/** One round's figures (µs, req/s, MB). */
export interface Round {
  /** Bare session process: RSS holding the session, `session.run` median and p95. */
  bareRss: number;
  engineUs: number;
  engineP95Us: number;
  /** First 2,000 calls' medians (the warm-up), bare and in process. */
  engineWarmUs: number;
  predictWarmUs: number;
  /** `device.predict` in process, median. */
  predictUs: number;
  /** The device serving: RSS once started, and after the HTTP load (with its V8 heap then). */
  idleRss: number;
  servingRss: number;
  servingAnon: number;
  heapUsed: number;
  heapTotal: number;
  /** POST /predict to the device: c=1 median and p95, c=8 throughput. */
  c1Us: number;
  c1P95Us: number;
  c8Rps: number;
  /** Hello-world fastify. */
  hello1Us: number;
  hello8Rps: number;
  /** Fastify + the bare session per request. */
  session1Us: number;
  session8Rps: number;
  /** Non-200 answers over every HTTP load of the round. */
  failures: number;
}

/** c=1 then c=8 against a started server, each after its own warm-up. */
async function load(
  server: Server,
  bodies: readonly string[],
  o: RoundOptions,
): Promise<{ c1Us: number; c1P95Us: number; c8Rps: number; failures: number }> {
  const url = `${server.url}/predict`;
  const c1 = await httpLoad(url, bodies, { concurrency: 1, requests: o.iterations, warmup: o.httpWarmup });
  const c8 = await httpLoad(url, bodies, { concurrency: 8, requests: o.requests, warmup: o.httpWarmup });
  return {
    c1Us: median(c1.latencyUs),
    c1P95Us: percentile(c1.latencyUs, 95),
    c8Rps: c8.rps,
    failures: c1.failures + c8.failures,
  };
}

export async function runRound(folder: RuntimeFolder, o: RoundOptions): Promise<Round> {
  const { engine, modelDir, key, dataDir } = o;
  const counts = [String(o.iterations), String(o.warmup)];
  const bare = nodeJson<{ rssMb: number; runUs: number[]; warmUs: number[] }>(folder.app, folder.scripts.bare, [
    engine,
    modelDir,
    ...counts,
  ]);
  provision(folder, { dataDir, modelDir, key, engine });
  const inproc = nodeJson<{ predictUs: number[]; warmUs: number[] }>(folder.app, folder.scripts.inproc, [
    engine,
    dataDir,
    modelDir,
    key,
    ...counts,
  ]);

  // As the documented systemd unit and `outpost-device`'s shebang start it (docs/DEVICE.md "Memory").
  provision(folder, { dataDir, modelDir, key, engine });
  const device = await startServer(folder.app, [
    folder.main,
    'device',
    '--id',
    'bench-dev',
    '--data-dir',
    dataDir,
    '--broker',
    'mqtt://127.0.0.1:9',
    '--public-key',
    key,
    '--engine',
    engine,
    '--http-port',
    '0',
    '--log-level',
    'error',
    '--window-rows',
    '1000000',
  ]);
  const pid = device.child.pid as number;
  const idleRss = rssOf(pid).rss;
  const served = await load(device, o.bodies, o);
  const serving = rssOf(pid);
  const heap = await deviceHeap(device.url);
  await stopServer(device);

  const hello = await startServer(folder.app, [folder.scripts.hello]);
  const helloLoad = await load(hello, o.bodies, o);
  await stopServer(hello);

  // The second anchor (informative, not the budget's): fastify running the bare session per request.
  const withSession = await startServer(folder.app, [folder.scripts.helloSession, engine, modelDir]);
  const sessionLoad = await load(withSession, o.bodies, o);
  await stopServer(withSession);

  return {
    bareRss: bare.rssMb,
    engineUs: median(bare.runUs),
    engineP95Us: percentile(bare.runUs, 95),
    engineWarmUs: median(bare.warmUs.slice(0, 2000)),
    predictWarmUs: median(inproc.warmUs.slice(0, 2000)),
    predictUs: median(inproc.predictUs),
    idleRss,
    servingRss: serving.rss,
    servingAnon: serving.anon,
    heapUsed: heap.used,
    heapTotal: heap.total,
    c1Us: served.c1Us,
    c1P95Us: served.c1P95Us,
    c8Rps: served.c8Rps,
    hello1Us: helloLoad.c1Us,
    hello8Rps: helloLoad.c8Rps,
    session1Us: sessionLoad.c1Us,
    session8Rps: sessionLoad.c8Rps,
    failures: served.failures + helloLoad.failures + sessionLoad.failures,
  };
}

/** Where a round's data directory goes. */
export const dataDirOf = (root: string, build: number, start: number): string => join(root, `data-${build}-${start}`);
