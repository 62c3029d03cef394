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

/**
 * Eight days of readings. Each day has its own share of positives and its own constant `room_temp`
 * (±0.01), so `room_temp` names the day: a tree on it scores well on shuffled folds (it learns each
 * day's majority) and poorly on a day it has not seen. `signal` is the label plus noise: as good
 * on an unseen day as on a seen one.
 */
function daysFixture(dir: string, cv: string): string {
  const rng = mulberry32(5);
  const lines = ['date,room_temp,signal,busy'];
  for (let d = 0; d < 8; d++) {
    const share = d % 2 === 0 ? 0.9 : 0.1;
    const temp = 18 + d * 0.7;
    for (let i = 0; i < 60; i++) {
      const y = rng() < share ? 1 : 0;
      const minute = String(i).padStart(2, '0');
      lines.push(
        `2015-02-${String(d + 2).padStart(2, '0')} 10:${minute}:00,${(temp + (rng() - 0.5) * 0.02).toFixed(3)},${(y + (rng() - 0.5) * 2.2).toFixed(3)},${y}`,
      );
    }
  }
  writeFileSync(join(dir, 'days.csv'), lines.join('\n') + '\n');
  const spec = join(dir, 'problem.yaml');
  writeFileSync(
    spec,
    `name: days
objective: Is the room busy?
task: binary
data: [{ csv: days.csv }]
target: busy
features: { exclude: [date] }
metric: accuracy
split: { method: time, column: date, test: 0.125, validation: 0.125 }
feature_sets:
  temp: [room_temp]
  signal: [signal]
${cv}
seed: 9
candidates:
  tree: { min_samples_leaf: 1 }
  logistic: { C: 1 }
`,
  );
  return spec;
}

describe('runTraining with grouped folds, feature sets and CV selection', () => {
  it('shuffled folds keep the feature that names the day; day-grouped folds keep the one that generalises', async () => {
    const shuffled = await runTraining(loadSpec(daysFixture(tmp.dir, '')), {
      runDir: join(tmp.dir, 'shuffled'),
      quick: true,
      stacking: false,
    });
    expect(shuffled.featureSets.map((f) => f.name)).toEqual(['temp', 'signal']);
    expect(shuffled.chosen.featureSet).toBe('temp');
    const temp = shuffled.featureSets.find((f) => f.name === 'temp')?.best?.cv.mean as number;
    expect(temp).toBeGreaterThan(0.85);

    const grouped = await runTraining(
      loadSpec(daysFixture(tmp.dir, 'cv: { folds: 4, group: { column: date, by: day }, select: cv }')),
      {
        runDir: join(tmp.dir, 'grouped'),
        quick: true,
        stacking: false,
      },
    );
    const g = Object.fromEntries(grouped.featureSets.map((f) => [f.name, f.best?.cv.mean as number]));
    expect(g.temp).toBeLessThan(0.7); // an unseen day's temperature says nothing about its people
    expect(g.signal).toBeGreaterThan((g.temp as number) + 0.1);
    expect(grouped.chosen.featureSet).toBe('signal');
    expect(grouped.table.find((r) => r.name === 'tree')?.cv.folds).toHaveLength(4);
    // The artifact's inputs are the kept set's columns only.
    expect(grouped.trainedModel.inputs.map((i) => i.name)).toEqual(['signal']);

    // select: cv — every tuned row carries its CV score, and the chosen one has the best.
    expect(grouped.chosen.selectedBy).toBe('cv');
    const tunedRows = grouped.validation.slice(1);
    expect(tunedRows.length).toBeGreaterThan(0);
    for (const v of tunedRows) expect(v.cv?.folds).toHaveLength(4);
    const best = Math.max(...tunedRows.map((v) => v.cv?.mean as number));
    expect(grouped.chosen.cv?.mean).toBe(best);
    // …and its decision threshold was tuned on the pooled out-of-fold predictions, not the validation slice.
    expect(grouped.threshold?.on).toBe('cv');
    expect(shuffled.threshold?.on).toBe('validation');
    const html = readFileSync(join(tmp.dir, 'grouped', 'report.html'), 'utf8');
    expect(html).toContain('folds keep each day of <code>date</code> whole');
    expect(html).toContain('Feature sets');
  });
});
