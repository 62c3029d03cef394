/**
 * Fits one candidate several times — the folds of a CV, the trials of a tuning round — in this
 * thread or on a `CvPool`, with identical results either way: each fit is the same `fitOne` on the
 * same inputs and seed, and results are handed back in job order whichever worker finished first.
 * A fit that throws surfaces as the error of the first failing job, as a serial loop would.
 *
 * Only learners of the learner registry go to workers (the worker rebuilds them by name); the
 * baselines (`fitsInThread`) stay in the calling thread (a fit takes less than a message between threads). A
 * learner with an `n_jobs` parameter (the forest) is given n_jobs 1 on a worker, so two folds do
 * not start more threads each on a 2-core machine (the forest is identical for any n_jobs). Such
 * a learner can use every core for one fit by itself, so the jobs that would leave workers idle
 * in a last, short round (5 folds on 2 workers: the 5th) run in the calling thread once the pool's
 * jobs are done, with the learner's own n_jobs: 5 forest folds of 60 trees took 1.09× the serial
 * time with all 5 on the pool (bench/cv-parallel.ts).
 */
import type { FittedModel, Learner } from '../models/learner.ts';
import { takeRows } from '../models/learner.ts';
import { descriptorOf } from '../learners/registry.ts';
import type { Candidate, Params } from './candidates.ts';
import { poolSize, sharedCvPool, type Batch, type CvPool, type FitJob } from './cv-pool.ts';

export interface ParallelOptions {
  /** Threads fitting jobs: 1 fits in the calling thread, −1 uses every core; default 2, capped at the cores. */
  nJobs?: number;
  /** The workers to use (their owner closes them); default `sharedCvPool(poolSize(nJobs))`, which retires idle workers after 2 s. */
  pool?: CvPool;
}

/** A job before it is tied to a learner. */
export type FitSpec = Omit<FitJob, 'learner'>;

export interface FitOutcome {
  predictions: Float64Array;
  /** The fitted model, when it was fitted in this thread (workers send predictions only). */
  model?: FittedModel;
}

/** One fit and its held-out predictions: what a worker runs and what the serial path runs. */
export async function fitOne(
  learner: Learner<Params>,
  job: FitSpec,
): Promise<{ model: FittedModel; predictions: Float64Array }> {
  const { rows } = job;
  const x = rows ? takeRows(job.x, rows) : job.x;
  const y = rows ? Float64Array.from(rows, (r) => job.y[r] as number) : job.y;
  const model = await learner.fit(x, y, job.params, job.ctx);
  return { model, predictions: model.predict(job.held) };
}

/** The learner's registered name when a worker can rebuild `candidate`'s learner, else undefined. */
export function workerLearner(candidate: Candidate): string | undefined {
  const d = descriptorOf(candidate.name);
  return d?.learner !== undefined && d.learner === candidate.learner ? candidate.name : undefined;
}

/** Whether `fitEach` would send `jobs` fits of `candidate` to worker threads. */
export function runsOnWorkers(candidate: Candidate, jobs: number, opts: ParallelOptions = {}): boolean {
  const size = opts.pool ? opts.pool.size : poolSize(opts.nJobs);
  const name = workerLearner(candidate);
  return name !== undefined && descriptorOf(name)?.fitsInThread !== true && size > 1 && jobs > 1;
}

/**
 * Fits `candidate` once per job and returns the held-out predictions in job order, calling
 * `onEach` in job order as results arrive.
 */
export async function fitEach(
  candidate: Candidate,
  jobs: readonly FitSpec[],
  opts: ParallelOptions = {},
  onEach?: (i: number, outcome: FitOutcome) => void,
): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  if (!runsOnWorkers(candidate, jobs.length, opts)) {
    for (let i = 0; i < jobs.length; i++) {
      const r = await fitOne(candidate.learner, jobs[i] as FitSpec);
      onEach?.(i, r);
      out.push(r.predictions);
    }
    return out;
  }
  const learner = workerLearner(candidate) as string;
  const pool = opts.pool ?? sharedCvPool(poolSize(opts.nJobs));
  const batch: Batch = { cancelled: false };
  const threadsItself = Object.hasOwn(candidate.learner.defaults, 'n_jobs');
  const onPool = jobs.length - (threadsItself ? jobs.length % pool.size : 0);
  try {
    const pending = jobs
      .slice(0, onPool)
      .map((j) => pool.fit({ ...j, learner, params: threadsItself ? { ...j.params, n_jobs: 1 } : j.params }, batch));
    for (const p of pending) p.catch(() => {}); // each is awaited below, in order
    for (let i = 0; i < jobs.length; i++) {
      // The pool's jobs are all done before the first job of this thread starts.
      const outcome: FitOutcome =
        i < onPool
          ? { predictions: await (pending[i] as Promise<Float64Array>) }
          : await fitOne(candidate.learner, jobs[i] as FitSpec);
      onEach?.(i, outcome);
      out.push(outcome.predictions);
    }
    return out;
  } catch (err) {
    batch.cancelled = true;
    throw err;
  }
}
