/**
 * Binary tasks with a threshold metric choose the model by each validation row's score at its OWN
 * decision threshold (tuned on validation), not at 0.5: a well-ranking but badly calibrated model
 * loses at 0.5 and wins once every row's threshold is tuned.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Learner } from '../src/models/learner.ts';
import { LogisticFitted } from '../src/models/logistic.ts';
import { baselineCandidate, learnerByName, type Candidate, type Params } from '../src/run/candidates.ts';
import { runTraining, type ValidationRow } from '../src/run/run-training.ts';
import { StandardizedModel } from '../src/learners/standardize.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';
import { binaryFixture } from './run-fixtures.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** Logistic regression with its logit moved down by 3: the same ranking, P(class 1) far too low. */
const logistic = learnerByName('logistic');
const shifted: Learner<Params> = {
  ...logistic,
  name: 'shifted',
  async fit(x, y, params, ctx) {
    // The run's logistic is fitted on standardised inputs: shift the inner model's intercept.
    const s = (await logistic.fit(x, y, params, ctx)) as StandardizedModel;
    const m = s.inner as LogisticFitted;
    return new StandardizedModel(
      new LogisticFitted(
        m.weights,
        m.intercept.map((b) => b - 3),
        m.cols,
        m.classes,
        m.iterations,
        m.converged,
      ),
      s.standardisation,
    );
  },
};

/** The first row with the best value (ties keep the table order, as the run does). */
const best = (rows: readonly ValidationRow[], value: (v: ValidationRow) => number): string =>
  rows.reduce((a, b) => (value(b) > value(a) ? b : a)).name;

describe('model choice with per-candidate decision thresholds', () => {
  it('selects by the tuned scores: the ranking at 0.5 is reversed', async () => {
    const spec = loadSpec(binaryFixture(tmp.dir).spec);
    const candidates: Candidate[] = [
      baselineCandidate('binary'),
      { name: 'shifted', learner: shifted, params: { C: 1, max_iter: 200 }, grid: {} },
      { name: 'tree', learner: learnerByName('tree'), params: { max_depth: 2 }, grid: {} },
    ];
    const r = await runTraining(spec, { runDir: join(tmp.dir, 'run'), quick: true, candidates });
    const rows = Object.fromEntries(r.validation.map((v) => [v.name, v]));
    const s = rows.shifted as ValidationRow;
    const t = rows.tree as ValidationRow;
    // At 0.5 the tree is better; each at its own tuned threshold, the shifted logistic is.
    expect(s.scoreAtDefault).toBeLessThan(t.scoreAtDefault as number);
    expect(s.score).toBeGreaterThan(t.score);
    expect(s.threshold).toBeLessThan(0.5);
    // Every row (the baseline's too) carries its own threshold, and the choice follows the tuned scores.
    for (const v of r.validation) expect(v.threshold).toBeGreaterThan(0);
    expect(rows.majority?.score).toBeGreaterThan(rows.majority?.scoreAtDefault as number);
    // …and the provisional decision judges the baseline at its threshold too.
    expect(r.decision.baseline).toEqual({ source: 'baseline-model', value: rows.majority?.score });
    expect(r.baseline.validation).toBe(rows.majority?.score);
    const eligible = r.validation.slice(1);
    expect(r.chosen.name).toBe(best(eligible, (v) => v.score));
    expect(r.chosen.name).not.toBe(best(eligible, (v) => v.scoreAtDefault as number));
    expect(r.chosen.validation).toBe(rows[r.chosen.name]?.score);
    expect(r.threshold?.threshold).toBe(rows[r.chosen.name]?.threshold);
    expect(r.trainedModel.threshold).toBe(rows[r.chosen.name]?.threshold);
  });
});
