/**
 * `constraints.max_latency_us` (run/latency-budget.ts, run/budgets.ts): a row whose model.onnx is
 * slower than the budget in batch-1 runs is not chosen, and the run report and model card list
 * every row's latency. Selection is tested with an injected measure (deterministic: a figure that
 * grows with the file); the default measure is onnxruntime-web's, whose figures only have to be
 * real timings here (speed figures come from bench/, never from tests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LatencyMeasure } from '../src/artifact/quantized.ts';
import { mulberry32 } from '../src/random.ts';
import { runTraining } from '../src/run/run-training.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** y is a step in x (trees win clearly) with a linear trend a line can follow part way. */
function stepFixture(dir: string, constraints: string): string {
  const rng = mulberry32(21);
  const lines = ['x,z,y'];
  for (let i = 0; i < 300; i++) {
    const x = rng() * 10;
    const z = rng();
    lines.push(`${x.toFixed(3)},${z.toFixed(3)},${((x > 5 ? 20 : 0) + x + (rng() - 0.5)).toFixed(3)}`);
  }
  writeFileSync(join(dir, 'step.csv'), lines.join('\n') + '\n');
  const spec = join(dir, 'problem.yaml');
  writeFileSync(
    spec,
    `name: step
objective: Predict y.
task: regression
data: [{ csv: step.csv }]
target: y
metric: rmse
seed: 4
${constraints}
candidates:
  linear: { alpha: 1 }
  gbdt: { max_iter: 60, learning_rate: 0.2, min_samples_leaf: 5 }
`,
  );
  return spec;
}

/** 1 µs per 10 bytes: the ~1 KB linear graph takes ~100 µs, 60 trees (tens of KB) thousands. */
const bySize: LatencyMeasure = async (bytes) => bytes.byteLength / 10;

describe('constraints.max_latency_us', () => {
  it('keeps a model over the latency budget from being chosen, and the report and card list it', async () => {
    const budget = 500;
    const r = await runTraining(loadSpec(stepFixture(tmp.dir, `constraints: { max_latency_us: ${budget} }`)), {
      runDir: join(tmp.dir, 'run'),
      quick: true,
      stacking: false,
      measureLatency: bySize,
    });
    const rows = Object.fromEntries(r.validation.map((v) => [v.name, v]));
    expect(rows.linear?.latencyUs).toBe((rows.linear?.bytes as number) / 10);
    expect(rows.linear?.latencyUs).toBeLessThanOrEqual(budget);
    expect(rows.gbdt?.latencyUs).toBeGreaterThan(budget);
    expect(rows.gbdt?.score).toBeLessThan(rows.linear?.score as number); // gbdt was better, and too slow
    expect(r.chosen.name).toBe('linear');
    const card = readFileSync(join(tmp.dir, 'run', 'model-card.md'), 'utf8');
    expect(card).toContain('Latency budget 500 µs batch-1 median in onnxruntime-web');
    expect(card).toMatch(/not chosen for latency: gbdt \([\d,]+ µs\)/);
    expect(readFileSync(join(tmp.dir, 'run', 'report.html'), 'utf8')).toContain('batch-1 µs in onnxruntime-web');
  });

  it('a budget the rows meet changes nothing but the figures recorded', async () => {
    const free = await runTraining(loadSpec(stepFixture(tmp.dir, '')), {
      runDir: join(tmp.dir, 'free'),
      quick: true,
      stacking: false,
    });
    expect(free.validation.every((v) => v.latencyUs === undefined)).toBe(true);
    const loose = await runTraining(loadSpec(stepFixture(tmp.dir, 'constraints: { max_latency_us: 1000000000 }')), {
      runDir: join(tmp.dir, 'loose'),
      quick: true,
      stacking: false,
    });
    expect(loose.chosen.name).toBe(free.chosen.name);
    // The default measure ran each row's model.onnx in onnxruntime-web: a positive, finite time.
    for (const v of loose.validation.filter((x) => x.name !== 'mean')) {
      expect(v.latencyUs, v.name).toBeGreaterThan(0);
      expect(Number.isFinite(v.latencyUs)).toBe(true);
    }
  });

  it('size and latency budgets apply together: over either is not chosen', async () => {
    const r = await runTraining(
      loadSpec(stepFixture(tmp.dir, 'constraints: { max_model_bytes: 1000000, max_latency_us: 500 }')),
      { runDir: join(tmp.dir, 'both'), quick: true, stacking: false, measureLatency: bySize },
    );
    const gbdt = r.validation.find((v) => v.name === 'gbdt');
    expect(gbdt?.bytes).toBeLessThanOrEqual(1_000_000);
    expect(r.chosen.name).toBe('linear');
  });
});
