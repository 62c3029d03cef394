/**
 * Builds a forest's trees on `threads` threads: the calling thread plus threads − 1 workers. The
 * job's arrays are copied once into SharedArrayBuffers, every thread claims tree indices from one
 * shared atomic counter, and results are put back in index order — so the forest is identical to
 * a single-threaded build, whichever thread built which tree.
 *
 * Starting a worker costs ≈ 0.3–1 s (the TypeScript loader and the tree modules), as much as a
 * whole 100-tree fit of a few thousand rows, and cross-validation fits forests again and again. So
 * workers stay warm between fits: a worker is ref'd only while it builds, so an idle one never
 * holds the process open, and it is terminated after IDLE_MS without a job. A fit waits for a cold
 * worker to load before it starts, so every worker surely takes part; a warm one is ready at once.
 */
import { Worker } from 'node:worker_threads';
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import { ForestBuilder, type ForestJob, type TreeResult } from './build.ts';

/** What a worker is started with: the URL of worker.ts, imported by worker-boot.mjs once the TypeScript loader is registered. */
export interface WorkerBoot {
  entry: string;
}

/** One fit's share of work, posted to a warm worker. */
export interface WorkerJob {
  job: ForestJob;
  nTrees: number;
  counter: Int32Array;
}

export type WorkerMessage = { type: 'ready' } | { type: 'done'; results: TreeResult[] };

/** How long a worker stays warm without a job. */
export const IDLE_MS = 2000;

const ENTRY = new URL('./worker.ts', import.meta.url).href;
const BOOT = new URL('./worker-boot.mjs', import.meta.url);

interface PooledWorker {
  worker: Worker;
  ready: Promise<void>;
  idleTimer?: ReturnType<typeof setTimeout>;
}

const idle: PooledWorker[] = [];

function failed(cause: unknown): Error {
  return trainerError(
    TrainerErrorCodes.MODEL_WORKER_FAILED,
    `forest: a worker thread failed: ${String(cause)}`,
    {},
    cause,
  );
}

function boot(): PooledWorker {
  const worker = new Worker(BOOT, { workerData: { entry: ENTRY } satisfies WorkerBoot });
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: WorkerMessage): void => {
      if (m.type !== 'ready') return;
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`exited with code ${code} while loading`)));
  });
  ready.catch(() => undefined); // observed by the fit that uses it
  return { worker, ready };
}

function acquire(): PooledWorker {
  const w = idle.pop();
  if (!w) return boot();
  clearTimeout(w.idleTimer);
  w.worker.ref();
  return w;
}

function release(w: PooledWorker): void {
  w.worker.unref();
  w.idleTimer = setTimeout(() => {
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
    void w.worker.terminate();
  }, IDLE_MS);
  w.idleTimer.unref();
  idle.push(w);
}

/** Posts a job to a loaded worker; resolves with its trees. The worker is dropped if it fails. */
function run(w: PooledWorker, job: WorkerJob): Promise<TreeResult[]> {
  return new Promise<TreeResult[]>((resolve, reject) => {
    const { worker } = w;
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: WorkerMessage): void => {
      if (m.type !== 'done') return;
      cleanup();
      resolve(m.results);
    };
    const onError = (err: unknown): void => {
      cleanup();
      void worker.terminate();
      reject(failed(err));
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(failed(new Error(`exited with code ${code} before posting its trees`)));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(job);
  });
}

function shared<T extends Uint8Array | Uint16Array | Float64Array>(a: T, make: (b: SharedArrayBuffer) => T): T {
  const out = make(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

export interface BuiltTrees {
  /** Tree results in index order. */
  results: TreeResult[];
  /** Trees the worker threads built (the rest were built by the calling thread). */
  workerTrees: number;
}

export async function buildTrees(job: ForestJob, nTrees: number, threads: number): Promise<BuiltTrees> {
  const results: (TreeResult | undefined)[] = new Array<TreeResult | undefined>(nTrees);
  if (threads <= 1) {
    const builder = new ForestBuilder(job);
    for (let i = 0; i < nTrees; i++) results[i] = builder.build(i);
    return { results: results as TreeResult[], workerTrees: 0 };
  }
  const sharedJob: ForestJob = {
    ...job,
    bins: shared(job.bins, (b) => new Uint16Array(b)),
    y: shared(job.y, (b) => new Float64Array(b)),
    labels: shared(job.labels, (b) => new Uint16Array(b)),
  };
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads - 1 }, acquire);
  let workerTrees = 0;
  const ok = new Set<PooledWorker>();
  try {
    try {
      await Promise.all(workers.map((w) => w.ready));
    } catch (err) {
      throw failed(err);
    }
    const runs = workers.map((w) =>
      run(w, { job: sharedJob, nTrees, counter }).then((trees) => {
        ok.add(w);
        return trees;
      }),
    );
    // A rejected run must not go unobserved while this thread builds.
    for (const r of runs) r.catch(() => undefined);
    const builder = new ForestBuilder(sharedJob);
    for (let i = Atomics.add(counter, 0, 1); i < nTrees; i = Atomics.add(counter, 0, 1)) results[i] = builder.build(i);
    for (const r of runs) {
      for (const t of await r) {
        results[t.index] = t;
        workerTrees++;
      }
    }
  } finally {
    for (const w of workers) {
      if (ok.has(w)) release(w);
      else void w.worker.terminate();
    }
  }
  return { results: results as TreeResult[], workerTrees };
}
