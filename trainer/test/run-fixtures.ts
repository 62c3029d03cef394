/** Tiny synthetic specs + CSVs for the training-run tests (seconds, not minutes). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../src/random.ts';

export interface Fixture {
  spec: string;
  csv: string;
}

/** y = 3·x1 − 2·x2 + 5·[cat = c] + noise; `id` is a unique row id kept as a feature (for leak tests). */
export function regressionFixture(
  dir: string,
  opts: { rows?: number; extra?: string; threshold?: number } = {},
): Fixture {
  const rng = mulberry32(7);
  const lines = ['id,x1,x2,cat,y'];
  for (let i = 0; i < (opts.rows ?? 240); i++) {
    const x1 = Math.round(rng() * 1000) / 100;
    const x2 = Math.round(rng() * 1000) / 100;
    const cat = ['a', 'b', 'c'][Math.floor(rng() * 3)] as string;
    const y = 3 * x1 - 2 * x2 + (cat === 'c' ? 5 : 0) + (rng() - 0.5);
    lines.push(`${1000 + i},${x1},${i % 37 === 0 ? '' : x2},${cat},${y.toFixed(4)}`);
  }
  const csv = join(dir, 'data.csv');
  writeFileSync(csv, lines.join('\n') + '\n');
  const spec = join(dir, 'problem.yaml');
  writeFileSync(
    spec,
    `name: synth
objective: Predict y from x1, x2 and cat.
task: regression
data:
  - csv: data.csv
target: y
metric: rmse
success:
  threshold: ${opts.threshold ?? 3}
  beat_baseline: true
assumptions:
  - The noise is uniform.
split:
  method: random
  test: 0.2
  validation: 0.2
cleaning:
  - { op: impute, columns: [x2], strategy: median }
feature_steps:
  - { op: ratio, name: x1_per_x2, numerator: x1, denominator: x2 }
  - { op: onehot, columns: [cat] }
seed: 3
${opts.extra ?? ''}`,
  );
  return { spec, csv };
}

/** occupied = x1 + x2 > 10 (with 3% label noise); a separate test source like occupancy's. */
export function binaryFixture(dir: string, opts: { extra?: string } = {}): Fixture {
  const rng = mulberry32(11);
  const write = (file: string, n: number): string => {
    const lines = ['x1,x2,room,occupied'];
    for (let i = 0; i < n; i++) {
      const x1 = Math.round(rng() * 1000) / 100;
      const x2 = Math.round(rng() * 1000) / 100;
      let label = x1 + x2 > 10 ? 'yes' : 'no';
      if (rng() < 0.03) label = label === 'yes' ? 'no' : 'yes';
      lines.push(`${x1},${x2},${rng() < 0.5 ? 'r1' : 'r2'},${label}`);
    }
    writeFileSync(join(dir, file), lines.join('\n') + '\n');
    return join(dir, file);
  };
  const csv = write('train.csv', 240);
  write('test.csv', 80);
  const spec = join(dir, 'problem.yaml');
  writeFileSync(
    spec,
    `name: occ
objective: Is the room occupied?
task: binary
data:
  - { csv: train.csv, role: train }
  - { csv: test.csv, role: test }
target: { column: occupied, positive: 'yes' }
metric: accuracy
success:
  threshold: 0.8
split:
  method: random
  validation: 0.25
seed: 5
${opts.extra ?? ''}`,
  );
  return { spec, csv };
}

/** Candidates small enough for unit tests. */
export const QUICK_CANDIDATES = `candidates:
  linear: { alpha: [1, 10] }
  tree: { max_depth: [4, 8], min_samples_leaf: 3 }
  gbdt: { max_iter: [20, 40], learning_rate: 0.2, min_samples_leaf: 5 }
`;
