/**
 * A stand-in CV worker for cv-parallel.test.ts (loaded through the same worker-boot.mjs): it answers
 * each job with [params.n_jobs, whether x arrived in shared memory] instead of predictions, and
 * exits with code 3 when the job names the learner 'crash'.
 */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../src/run/cv-pool.ts';

parentPort?.on('message', (m: ToWorker) => {
  if (m.job.learner === 'crash') process.exit(3);
  const nJobs = typeof m.job.params.n_jobs === 'number' ? m.job.params.n_jobs : NaN;
  const shared = m.job.x.data.buffer instanceof SharedArrayBuffer ? 1 : 0;
  parentPort?.postMessage({ id: m.id, ok: true, predictions: Float64Array.of(nJobs, shared) } satisfies FromWorker);
});
