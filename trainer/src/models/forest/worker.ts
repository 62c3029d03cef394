/**
 * Forest worker thread, kept warm between fits (pool.ts): for each job posted to it, builds trees
 * from the shared job, claiming tree indices from a shared atomic counter (so a fast thread takes
 * more trees), and posts all its results at the end.
 */
import { parentPort } from 'node:worker_threads';
import { ForestBuilder, transferables, type TreeResult } from './build.ts';
import type { WorkerJob, WorkerMessage } from './pool.ts';

const port = parentPort;
if (port) {
  port.on('message', (input: WorkerJob) => {
    const builder = new ForestBuilder(input.job);
    const results: TreeResult[] = [];
    for (let i = Atomics.add(input.counter, 0, 1); i < input.nTrees; i = Atomics.add(input.counter, 0, 1))
      results.push(builder.build(i));
    port.postMessage({ type: 'done', results } satisfies WorkerMessage, transferables(results));
  });
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
}
