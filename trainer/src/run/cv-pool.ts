/**
 * A small pool of worker threads that fit learners for CV folds and tuning trials.
 * A job names a learner of the learner registry (learners/registry.ts) with its parameters and fit
 * context, so the worker rebuilds the learner itself; its matrices travel as Float64Arrays over
 * SharedArrayBuffers (copied into shared memory once per source array, then shared by every job
 * and worker, never serialised), and the held-out predictions come back as a transferred buffer.
 *
 * Workers start lazily, one job at a time each. Starting one costs ≈ 0.5–1 s (the TypeScript
 * loader and the learner modules, bench/cv-parallel.ts), so callers share a pool across calls:
 * `sharedCvPool(size)` is the one `crossValidate` and `tune` use unless given their own. A worker
 * is ref'd only while it runs a job, so an idle pool never holds the process open; a pool with
 * `idleMs` terminates its workers once it has been idle that long (the shared pools: 2 s), and
 * `close()` terminates them at once. A job that throws in the worker rejects with the same coded
 * error (code, message, details); a worker that dies rejects its job with
 * OUTPOST_ERR_MODEL_WORKER_FAILED and is replaced for the jobs still queued.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { OutpostError } from '@outpost/protocol';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { FitContext, Matrix } from '../models/learner.ts';
import type { Params } from './candidates.ts';

/** One fit: the learner named `learner` on (`x`, `y`) — or their `rows` — then its predictions of `held`. */
export interface FitJob {
  learner: string;
  params: Params;
  ctx: FitContext;
  x: Matrix;
  y: Float64Array;
  /** Fit on these rows of `x` / `y` only (a halving round's subsample). */
  rows?: readonly number[];
  held: Matrix;
}

/** An error as it crosses the thread boundary. */
export interface RemoteError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
  stack?: string;
}

export type ToWorker = { id: number; job: FitJob };
export type FromWorker =
  { id: number; ok: true; predictions: Float64Array } | { id: number; ok: false; error: RemoteError };

/** Jobs submitted together; `cancelled` drops the ones no worker has started. */
export interface Batch {
  cancelled: boolean;
}

export interface CvPoolOptions {
  /** Worker threads, exactly (default 2); `poolSize` turns an n_jobs into a size for this machine. */
  size?: number;
  /** The worker module (default cv-worker.ts); tests pass one that crashes. */
  entry?: URL;
  /** Terminate the workers after this long without a job (default: keep them until `close()`). */
  idleMs?: number;
  /** Sees every job before it is queued, in the calling thread (what a worker will fit on). */
  onJob?: (job: FitJob) => void;
}

/** Threads for `nJobs` (−1: every core), capped at the cores; MODEL_PARAM_INVALID otherwise. */
export function poolSize(nJobs = 2, cores = availableParallelism()): number {
  if (!(nJobs === -1 || (Number.isInteger(nJobs) && nJobs >= 1))) {
    throw trainerError(
      TrainerErrorCodes.MODEL_PARAM_INVALID,
      `n_jobs must be −1 or an integer ≥ 1, got ${String(nJobs)}`,
      { param: 'n_jobs', value: nJobs },
    );
  }
  return nJobs === -1 ? cores : Math.min(nJobs, cores);
}

const sharedCopies = new WeakMap<Float64Array, Float64Array>();

/**
 * `a` over a SharedArrayBuffer: `a` itself when it already is, else a copy made once per array
 * (design matrices are never written after they are built, so the cached copy stays exact).
 */
export function sharedCopy(a: Float64Array): Float64Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  let s = sharedCopies.get(a);
  if (!s) {
    s = new Float64Array(new SharedArrayBuffer(a.byteLength));
    s.set(a);
    sharedCopies.set(a, s);
  }
  return s;
}

function sharedJob(job: FitJob): FitJob {
  const share = (m: Matrix): Matrix => ({ data: sharedCopy(m.data), rows: m.rows, cols: m.cols });
  return { ...job, x: share(job.x), y: sharedCopy(job.y), held: share(job.held) };
}

export function toRemote(err: unknown): RemoteError {
  if (err instanceof OutpostError) {
    const r: RemoteError = { name: err.name, message: err.message, code: err.code, details: { ...err.details } };
    if (err.stack !== undefined) r.stack = err.stack;
    return r;
  }
  if (err instanceof Error) {
    const r: RemoteError = { name: err.name, message: err.message };
    if (err.stack !== undefined) r.stack = err.stack;
    return r;
  }
  return { name: 'Error', message: String(err) };
}

/** The error `toRemote` described, rebuilt in this thread (an OutpostError when it had a code). */
export function fromRemote(r: RemoteError): Error {
  const err =
    r.code !== undefined ? new OutpostError(r.code, r.message, { details: r.details ?? {} }) : new Error(r.message);
  if (r.code === undefined) err.name = r.name;
  if (r.stack !== undefined) err.stack = r.stack;
  return err;
}

interface Task {
  id: number;
  job: FitJob;
  batch: Batch | undefined;
  resolve: (p: Float64Array) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  gone: boolean;
}

const BOOT = new URL('../models/forest/worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./cv-worker.ts', import.meta.url);

export class CvPool {
  readonly size: number;
  private readonly entry: string;
  private readonly idleMs: number | undefined;
  private readonly onJob: ((job: FitJob) => void) | undefined;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Workers started so far (replacements included). */
  started = 0;

  constructor(opts: CvPoolOptions = {}) {
    const size = opts.size ?? 2;
    if (!(Number.isInteger(size) && size >= 1))
      throw trainerError(TrainerErrorCodes.MODEL_PARAM_INVALID, `a worker pool needs ≥ 1 threads, got ${size}`, {
        param: 'size',
        value: size,
      });
    this.size = size;
    this.entry = (opts.entry ?? ENTRY).href;
    this.idleMs = opts.idleMs;
    this.onJob = opts.onJob;
  }

  /** Live worker threads. */
  get workers(): number {
    return this.slots.length;
  }

  /** Fits `job` on a worker; resolves with its predictions of `job.held`. */
  fit(job: FitJob, batch?: Batch): Promise<Float64Array> {
    if (this.closed)
      return Promise.reject(trainerError(TrainerErrorCodes.MODEL_WORKER_FAILED, 'cv: the worker pool is closed'));
    clearTimeout(this.idleTimer);
    this.onJob?.(job);
    return new Promise<Float64Array>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job: sharedJob(job), batch, resolve, reject });
      this.pump();
    });
  }

  /** Terminates every worker; jobs not finished reject with MODEL_WORKER_FAILED. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const closing = (): OutpostError =>
      trainerError(TrainerErrorCodes.MODEL_WORKER_FAILED, 'cv: the worker pool closed before the job finished');
    for (const t of this.queue.splice(0)) t.reject(closing());
    await this.retire(this.slots.splice(0), closing);
  }

  private async retire(slots: readonly Slot[], reason: () => OutpostError): Promise<void> {
    for (const s of slots) {
      s.gone = true;
      s.task?.reject(reason());
      s.task = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Once nothing runs or waits, terminates the workers after `idleMs`. */
  private armIdle(): void {
    if (this.idleMs === undefined || this.closed || this.queue.length > 0 || this.slots.some((s) => s.task)) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.retire(this.slots.splice(0), () =>
        trainerError(TrainerErrorCodes.MODEL_WORKER_FAILED, 'cv: idle workers retired'),
      );
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => s.task === undefined);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const task = this.queue.shift() as Task;
      if (task.batch?.cancelled) {
        task.reject(trainerError(TrainerErrorCodes.MODEL_WORKER_FAILED, 'cv: job cancelled'));
        this.armIdle();
        continue;
      }
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, job: task.job } satisfies ToWorker);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(BOOT, { workerData: { entry: this.entry } });
    this.started++;
    const slot: Slot = { worker, task: undefined, gone: false };
    worker.on('message', (m: FromWorker) => {
      const t = slot.task;
      if (!t || t.id !== m.id) return;
      slot.task = undefined;
      worker.unref();
      if (m.ok) t.resolve(m.predictions);
      else t.reject(fromRemote(m.error));
      this.pump();
      this.armIdle();
    });
    const fail = (cause: unknown): void => {
      if (slot.gone) return;
      slot.gone = true;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const t = slot.task;
      slot.task = undefined;
      t?.reject(
        trainerError(
          TrainerErrorCodes.MODEL_WORKER_FAILED,
          `cv: a worker thread failed: ${String(cause)}`,
          { learner: t.job.learner },
          cause,
        ),
      );
      void worker.terminate();
      this.pump();
      this.armIdle();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}

const shared = new Map<number, CvPool>();

/** The process-wide pool of `size` workers, retiring them after 2 s idle (so consecutive calls reuse them). */
export function sharedCvPool(size: number): CvPool {
  let pool = shared.get(size);
  if (!pool) {
    pool = new CvPool({ size, idleMs: 2000 });
    shared.set(size, pool);
  }
  return pool;
}
