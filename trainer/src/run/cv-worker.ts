/**
 * CV / tuning worker thread (started through the forest's worker-boot.mjs, which registers the
 * TypeScript loader): rebuilds the learner a job names and answers with its held-out predictions,
 * or with the error it threw (code, message and details intact), one job at a time.
 */
import { parentPort } from 'node:worker_threads';
import { learnerByName } from './candidates.ts';
import { toRemote, type FromWorker, type ToWorker } from './cv-pool.ts';
import { fitOne } from './parallel-fits.ts';

const port = parentPort;
if (port) {
  port.on('message', (m: ToWorker) => {
    void (async (): Promise<void> => {
      let reply: FromWorker;
      try {
        const { predictions } = await fitOne(learnerByName(m.job.learner), m.job);
        reply = { id: m.id, ok: true, predictions };
      } catch (err) {
        reply = { id: m.id, ok: false, error: toRemote(err) };
      }
      try {
        const transfer = reply.ok && reply.predictions.buffer instanceof ArrayBuffer ? [reply.predictions.buffer] : [];
        port.postMessage(reply, transfer);
      } catch (cloneErr) {
        // Details that cannot be cloned (a function, say) travel as JSON.
        if (reply.ok) throw cloneErr;
        const error = {
          ...reply.error,
          details: JSON.parse(JSON.stringify(reply.error.details ?? {})) as Record<string, unknown>,
        };
        port.postMessage({ id: m.id, ok: false, error } satisfies FromWorker);
      }
    })();
  });
}
