/**
 * Forest worker thread: builds trees from the shared job, claiming tree indices from a shared
 * atomic counter (so a fast thread takes more trees), and posts all its results at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ForestBuilder, transferables, type TreeResult } from './build.ts';
import type { WorkerInput, WorkerMessage } from './pool.ts';

const input = workerData as WorkerInput;
const port = parentPort;
if (port) {
  const builder = new ForestBuilder(input.job);
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  const results: TreeResult[] = [];
  for (let i = Atomics.add(input.counter, 0, 1); i < input.nTrees; i = Atomics.add(input.counter, 0, 1))
    results.push(builder.build(i));
  port.postMessage({ type: 'done', results } satisfies WorkerMessage, transferables(results));
}
