/**
 * What joining requests into one engine run saves (docs/DEVICE.md "Serving under load"), per
 * committed build, on the device's own onnxruntime-node session (the adapter the device serves with):
 *
 *   npx tsx bench/engine-batch.ts [--iterations 4000] [--warmup 2000]
 *
 * 1. One run of N rows (N = 1, 2, 4, 8, 16): median and p95 µs per run, µs per row, and the per-row
 *    ratio to a run of 1 row (the anchor).
 * 2. Eight one-row requests asked together (what eight connections ask at once), which the session
 *    joins into one run after the first, against the same eight asked one after another (anchor):
 *    µs per request.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Manifest, type FeatureValue } from '@outpost/protocol';
import { createOrtNodeEngine } from '@outpost/device';
import { numberArg } from './lib/args.ts';
import { SERVED_BUILDS, loadAverage } from './lib/served-builds.ts';
import { median, percentile } from './lib/table.ts';

const iterations = numberArg('--iterations', 4000);
const warmup = numberArg('--warmup', 2000);

/** Median and p95 µs of `fn` over `iterations` calls after `warmup` untimed ones. */
async function time(fn: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const us: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    us.push((performance.now() - t0) * 1000);
  }
  return { median: median(us), p95: percentile(us, 95) };
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
console.log(`load average before: ${loadAverage()}`);
const engine = createOrtNodeEngine();
for (const build of SERVED_BUILDS) {
  const manifest = Manifest.parse(JSON.parse(readFileSync(join(build.dir, 'manifest.json'), 'utf8')));
  const session = await engine.load(readFileSync(join(build.dir, 'model.onnx')), manifest);
  const golden = manifest.golden.map((g) => g.inputs as Record<string, FeatureValue>);
  const rowsOf = (n: number): Record<string, FeatureValue>[] =>
    Array.from({ length: n }, (_, i) => golden[i % golden.length] as Record<string, FeatureValue>);

  console.log(`\n${build.label}, onnxruntime-node, one run of N rows`);
  console.log('| rows | µs per run, median (p95) | µs per row | per row × 1-row run |');
  console.log('| ---: | ---: | ---: | ---: |');
  let anchor = NaN;
  for (const n of [1, 2, 4, 8, 16]) {
    const rows = rowsOf(n);
    const t = await time(() => session.run(rows));
    if (n === 1) anchor = t.median;
    console.log(
      `| ${n} | ${t.median.toFixed(1)} (${t.p95.toFixed(1)}) | ${(t.median / n).toFixed(1)} | ${(t.median / n / anchor).toFixed(2)}× |`,
    );
  }

  const one = rowsOf(8).map((r) => [r]);
  const apart = await time(async () => {
    for (const r of one) await session.run(r);
  });
  const together = await time(() => Promise.all(one.map((r) => session.run(r))));
  console.log(
    `eight one-row requests: one after another ${(apart.median / 8).toFixed(1)} µs per request (anchor); ` +
      `asked together ${(together.median / 8).toFixed(1)} µs per request (${(together.median / apart.median).toFixed(2)}×)`,
  );
  await session.release();
}
console.log(`\nload average after: ${loadAverage()}`);
