/** A training run tunes the decision threshold on validation only, records it, and `outpost test` scores with it. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testRun } from '../src/cli/test-command.ts';
import { encodeTarget, type Table } from '../src/data/load.ts';
import { f1 } from '../src/eval/metrics.ts';
import { transform } from '../src/preprocess/spec-pipeline.ts';
import { mulberry32 } from '../src/random.ts';
import { evaluateRun } from '../src/run/evaluate-test.ts';
import { loadRunModel, loadRunRecord } from '../src/run/run-dir.ts';
import { runTraining } from '../src/run/run-training.ts';
import * as threshold from '../src/run/threshold.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';
import { regressionFixture } from './run-fixtures.ts';

vi.mock('../src/run/threshold.ts', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../src/run/threshold.ts')>();
  return { ...orig, thresholdFor: vi.fn(orig.thresholdFor) };
});

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
  vi.mocked(threshold.thresholdFor).mockClear();
});
afterEach(() => tmp.cleanup());

/** "late" is the 60% majority and only weakly predictable from x1 (x2 is noise). */
function lateSpec(dir: string, metric: string): string {
  const rng = mulberry32(21);
  const write = (file: string, n: number): void => {
    const lines = ['x1,x2,late'];
    for (let i = 0; i < n; i++) {
      const x1 = Math.round(rng() * 1000) / 100;
      lines.push(`${x1},${Math.round(rng() * 1000) / 100},${rng() < 0.3 + 0.06 * x1 ? 'yes' : 'no'}`);
    }
    writeFileSync(join(dir, file), lines.join('\n') + '\n');
  };
  write('train.csv', 300);
  write('test.csv', 120);
  const spec = join(dir, 'problem.yaml');
  writeFileSync(
    spec,
    `name: late
objective: Will the parcel be late?
task: binary
data:
  - { csv: train.csv, role: train }
  - { csv: test.csv, role: test }
target: { column: late, positive: 'yes' }
metric: ${metric}
success:
  beat_baseline: true
split:
  method: random
  validation: 0.3
seed: 5
candidates:
  logistic: { C: [0.1, 10] }
  tree: { max_depth: [3], min_samples_leaf: 10 }
`,
  );
  return spec;
}

describe('decision threshold in a run', () => {
  it('is tuned on the validation predictions only, recorded, exported and used by outpost test', async () => {
    const runDir = join(tmp.dir, 'run');
    const r = await runTraining(loadSpec(lateSpec(tmp.dir, 'f1')), { runDir, quick: true });
    const spy = vi.mocked(threshold.thresholdFor);
    // One threshold per validation row (baseline, tuned candidates, ensembles), each on its own predictions.
    expect(spy).toHaveBeenCalledTimes(r.validation.length);
    for (const [task, metric, y, p] of spy.mock.calls as Parameters<typeof threshold.thresholdFor>[]) {
      expect([task, metric]).toEqual(['binary', 'f1']);
      expect(y).toHaveLength(r.rows.validation); // the validation rows, never the locked test rows
      expect(p).toHaveLength(r.rows.validation);
    }
    for (const v of r.validation) {
      expect(v.threshold).toBeDefined();
      expect(v.score).toBeGreaterThanOrEqual(v.scoreAtDefault as number);
    }
    const t = r.threshold;
    expect(t).toBeDefined();
    if (!t) return;
    expect(t.threshold).not.toBe(0.5); // else the test-set check below could not tell t* from 0.5
    expect(t.score).toBeGreaterThanOrEqual(t.atDefault);
    expect(r.chosen.validation).toBe(t.score);
    expect(r.trainedModel.threshold).toBe(t.threshold);
    expect(r.trainedModel.metrics.validation?.value).toBe(t.score);
    expect(r.validation.find((v) => v.name === r.chosen.name)).toMatchObject({
      score: t.score,
      threshold: t.threshold,
      scoreAtDefault: t.atDefault,
    });
    expect(r.decision.value).toBe(t.score);
    const rec = loadRunRecord(runDir);
    expect(rec.threshold).toEqual(t);
    expect(readFileSync(join(runDir, 'model-card.md'), 'utf8')).toMatch(
      /decision threshold .*tuned on the validation rows/,
    );

    // outpost test: the model's labels are cut at t*, the baseline's at 0.5.
    let rows: Table | undefined;
    await testRun(runDir, async (dir, table, set) => {
      rows = table;
      return evaluateRun(dir, table, set);
    });
    const run = loadRunModel(runDir);
    expect(run.threshold).toBe(t.threshold);
    const table = rows as Table;
    const yt = encodeTarget(table, rec.spec, run.classes).values;
    const pt = run.model.predict(
      transform(
        run.pipeline,
        table.columns,
        Array.from({ length: table.rowCount }, (_, i) => i),
      ),
    );
    const written = JSON.parse(readFileSync(join(runDir, 'test-test.json'), 'utf8')) as {
      value: number;
      threshold: number;
      baseline: number;
      decision: { value: number };
    };
    expect(written.threshold).toBe(t.threshold);
    expect(written.value).toBe(f1(yt, pt, t.threshold));
    expect(written.decision.value).toBe(f1(yt, pt, t.threshold));
    expect(written.baseline).toBe(
      f1(
        yt,
        run.baseline.predict(
          transform(
            run.pipeline,
            table.columns,
            Array.from({ length: table.rowCount }, (_, i) => i),
          ),
        ),
      ),
    );
  });

  it('AUC runs and regression runs have no threshold', async () => {
    const auc = await runTraining(loadSpec(lateSpec(tmp.dir, 'auc')), { runDir: join(tmp.dir, 'auc'), quick: true });
    expect(auc.threshold).toBeUndefined();
    expect(auc.trainedModel.threshold).toBeUndefined();
    expect(loadRunRecord(join(tmp.dir, 'auc')).threshold).toBeUndefined();
    const reg = await runTraining(loadSpec(regressionFixture(tmp.dir).spec), {
      runDir: join(tmp.dir, 'reg'),
      quick: true,
    });
    expect(reg.threshold).toBeUndefined();
    expect(reg.trainedModel.threshold).toBeUndefined();
  }, 120_000); // two training runs, each exporting the model it ships
});
