/**
 * Each shipped spec's current build against the spec's budgets (constraints.max_model_bytes,
 * max_latency_us): model.onnx bytes, and its batch-1 latency measured exactly as the training run
 * judges a row (run/latency-budget.ts: onnxruntime-web, one wasm thread, the median of
 * LATENCY_RUNS runs after 20 warm-up runs) on the build's first golden input (a training record),
 * repeated `--repeats` times: the median and p95 (nearest rank) of those medians, and the ratio of
 * the median to the budget. Extra artifact folders (e.g. a rebuild not yet committed) with `--dirs`.
 *
 *   npx tsx bench/budgets.ts [--repeats 7] [--dirs firmware-models/housing/2,…]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { InputSpec } from '@outpost/protocol';
import { ortWebLatency, LATENCY_RUNS, type RawRecord } from '@outpost/trainer';
import { summarize } from './lib/table.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const root = join(import.meta.dirname, '..', 'firmware-models');
const repeats = Number(arg('repeats', '7'));
const latestDirs = ['housing', 'occupancy', 'shipping'].map((name) => {
  const v = Math.max(
    ...readdirSync(join(root, name))
      .filter((d) => /^\d+$/.test(d))
      .map(Number),
  );
  return join(root, name, String(v));
});
const extra = arg('dirs', '')
  .split(',')
  .filter((d) => d !== '');

console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} · ${cpus().length} cores · ${LATENCY_RUNS} runs per median, ${repeats} repeats`,
);
console.log('build                 model.onnx B   budget B   batch-1 µs median   p95   budget µs   median/budget');
for (const dir of [...latestDirs, ...extra]) {
  const name = basename(dirname(dir));
  const spec = parseYaml(readFileSync(join(root, name, 'problem.yaml'), 'utf8')) as {
    constraints?: { max_model_bytes?: number; max_latency_us?: number };
  };
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    inputs: InputSpec[];
    golden: { inputs: RawRecord }[];
  };
  const bytes = readFileSync(join(dir, 'model.onnx'));
  const record = manifest.golden[0]?.inputs as RawRecord;
  const medians: number[] = [];
  for (let i = 0; i < repeats; i++) medians.push(await ortWebLatency(bytes, manifest.inputs, record));
  const t = summarize(medians);
  const budget = spec.constraints?.max_latency_us ?? NaN;
  console.log(
    `${`${name}/${basename(dir)}`.padEnd(20)}  ${String(bytes.byteLength).padStart(12)}  ${String(spec.constraints?.max_model_bytes ?? '—').padStart(9)}  ${t.median.toFixed(1).padStart(18)}  ${t.p95.toFixed(1).padStart(5)}  ${String(budget).padStart(10)}  ${(t.median / budget).toFixed(3).padStart(14)}`,
  );
}
