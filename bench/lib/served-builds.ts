/**
 * The committed builds the device benches serve (bench/device-runtime.ts, bench/engine-batch.ts):
 * a large GBDT and a small tree, so that both a heavy and a cheap engine run are measured.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export const SERVED_BUILDS = [
  { label: 'housing v1 GBDT', dir: join(ROOT, 'firmware-models', 'housing', '1') },
  { label: 'occupancy v2 tree', dir: join(ROOT, 'firmware-models', 'occupancy', '2') },
] as const;

/** The machine's load averages (1, 5, 15 minutes), as the benches print them. */
export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
