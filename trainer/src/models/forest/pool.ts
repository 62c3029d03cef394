/**
 * Builds a forest's trees on `threads` threads: the calling thread plus threads − 1 workers. The
 * job's arrays are copied once into SharedArrayBuffers, every thread claims tree indices from one
 * shared atomic counter, and results are put back in index order — so the forest is identical to
 * a single-threaded build, whichever thread built which tree.
 */
import { Worker } from 'node:worker_threads';
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import { ForestBuilder, type ForestJob, type TreeResult } from './build.ts';

export interface WorkerInput {
  /** URL of worker.ts, imported by worker-boot.mjs once the TypeScript loader is registered. */
  entry: string;
  job: ForestJob;
  nTrees: number;
  counter: Int32Array;
}

export type WorkerMessage = { type: 'ready' } | { type: 'done'; results: TreeResult[] };

function shared<T extends Uint8Array | Uint16Array | Float64Array>(a: T, make: (b: SharedArrayBuffer) => T): T {
  const out = make(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** One worker's life: resolves `ready` once it is loaded, `done` with its results. */
function startWorker(input: WorkerInput): { ready: Promise<void>; done: Promise<TreeResult[]>; worker: Worker } {
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: input });
  let onReady: () => void = () => {};
  let finished = false;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const done = new Promise<TreeResult[]>((resolve, reject) => {
    const fail = (cause: unknown): void => {
      finished = true;
      reject(
        trainerError(
          TrainerErrorCodes.MODEL_WORKER_FAILED,
          `forest: a worker thread failed: ${String(cause)}`,
          {},
          cause,
        ),
      );
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') onReady();
      else {
        finished = true;
        resolve(m.results);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!finished) fail(new Error(`exited with code ${code} before posting its trees`));
    });
  });
  // A failure before `ready` must release the caller waiting on it.
  done.catch(() => onReady());
  return { ready, done, worker };
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
  const entry = new URL('./worker.ts', import.meta.url).href;
  let workerTrees = 0;
  const workers = Array.from({ length: threads - 1 }, () => startWorker({ entry, job: sharedJob, nTrees, counter }));
  try {
    // Wait until the workers run, so they surely take part; they start claiming trees at once.
    await Promise.all(workers.map((w) => w.ready));
    const builder = new ForestBuilder(sharedJob);
    for (let i = Atomics.add(counter, 0, 1); i < nTrees; i = Atomics.add(counter, 0, 1)) results[i] = builder.build(i);
    for (const w of workers) {
      for (const r of await w.done) {
        results[r.index] = r;
        workerTrees++;
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
  return { results: results as TreeResult[], workerTrees };
}
