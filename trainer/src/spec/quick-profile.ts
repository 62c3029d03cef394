/**
 * `--quick` (outpost train / build): what a quick run trains. Without a `quick` profile in the spec
 * it is the spec's candidates with the learners' quick defaults and each grid cut to its first two
 * values, 3 CV folds, 2 candidates tuned with 3 fits each, and the ensembles. A spec's `quick`
 * profile sets any of these for its data (e.g. smaller GBDT, no forest, no stacking), so that a
 * quick build of a shipped spec takes about a minute. The split — and so the locked test rows —
 * never depends on it.
 */
import type { ProblemSpec } from './problem-spec.ts';

export interface RunProfile {
  /** The spec's `candidates` (learner → grid) for this run; undefined: the task's default list. */
  candidates: Record<string, unknown> | undefined;
  folds: number;
  shortlist: number;
  tuningBudget: number;
  stacking: boolean;
}

/** The run's candidates, folds, shortlist, tuning budget and stacking, full or quick. */
export function runProfile(spec: ProblemSpec, quick: boolean): RunProfile {
  if (!quick)
    return { candidates: spec.candidates, folds: spec.cv.folds ?? 5, shortlist: 3, tuningBudget: 8, stacking: true };
  const q = spec.quick ?? {};
  return {
    candidates: q.candidates ?? spec.candidates,
    folds: q.folds ?? spec.cv.folds ?? 3,
    shortlist: q.shortlist ?? 2,
    tuningBudget: q.tuning_budget ?? 3,
    stacking: q.stacking ?? true,
  };
}
