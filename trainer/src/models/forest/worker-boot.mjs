// Worker entry point. A worker is a fresh isolate that cannot load .ts by itself, under vitest or
// tsx alike (`execArgv: ['--import', 'tsx']` fails with "Unknown file extension .ts" on Node 20),
// so this plain module registers tsx's ESM loader and then imports the TypeScript worker.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
