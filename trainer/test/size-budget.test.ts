import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
function stepFixture(dir: string, budget: string): string {
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
${budget}
candidates:
  linear: { alpha: 1 }
  gbdt: { max_iter: 60, learning_rate: 0.2, min_samples_leaf: 5 }
`,
  );
  return spec;
}

describe('constraints.max_model_bytes', () => {
  it('keeps a model over the budget from being chosen, and says so', async () => {
    const free = await runTraining(loadSpec(stepFixture(tmp.dir, '')), {
      runDir: join(tmp.dir, 'free'),
      quick: true,
      stacking: false,
    });
    expect(free.chosen.name).not.toBe('linear'); // the trees model the step; the line cannot
    expect(free.validation.every((v) => v.bytes === undefined)).toBe(true);

    const linearBytes = 1_500; // a one-feature-pair linear graph is about 1 KB; 60 trees are tens of KB
    const tight = await runTraining(
      loadSpec(stepFixture(tmp.dir, `constraints: { max_model_bytes: ${linearBytes} }`)),
      {
        runDir: join(tmp.dir, 'tight'),
        quick: true,
        stacking: false,
      },
    );
    const rows = Object.fromEntries(tight.validation.map((v) => [v.name, v]));
    expect(rows.linear?.bytes).toBeLessThanOrEqual(linearBytes);
    expect(rows.gbdt?.bytes).toBeGreaterThan(linearBytes);
    expect(tight.chosen.name).toBe('linear');
    expect(rows.gbdt?.score).toBeLessThan(rows.linear?.score as number); // gbdt was better, and too big
    expect(readFileSync(join(tmp.dir, 'tight', 'model-card.md'), 'utf8')).toMatch(
      /Size budget 1,500 B for model\.onnx; not chosen for size: gbdt/,
    );
    expect(readFileSync(join(tmp.dir, 'tight', 'report.html'), 'utf8')).toContain('over budget');
  });
});
