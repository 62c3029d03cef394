/**
 * A spec-driven training run: split and lock the test rows, a baseline first, k-fold CV of every
 * candidate (pipeline refitted per fold), a shortlist, tuning on the validation rows, an averaging
 * and a stacking ensemble (run/stacking.ts: a meta-learner on the members' out-of-fold predictions
 * of the training rows) evaluated the same way, a provisional go/no-go on validation, and the final
 * refit on train + validation. Binary tasks with a threshold metric tune every validation row's
 * decision threshold (the baseline's too) and choose the model by its score at its own threshold.
 * The locked test rows are never opened here — that is `outpost test`.
 *
 * The stages (run/stages/) run in order over an explicit state: `prepare` (data, split, folds,
 * candidates) → `cvFeatureSets` (the CV table, the kept feature set) → `validate` (baseline, tuning,
 * ensembles) → `cvOfContenders` / `overBudget` / `choose` → `diagnose` (decision, importance, error
 * analysis) → `refit`.
 */
import type { ExploreSummary } from '../explore/summary.ts';
import { exploreSummary } from '../explore/summary.ts';
import type { FeatureImportance } from '../eval/importance.ts';
import type { SplitResult } from '../data/locked-test.ts';
import type { ModelKind } from '../model/saved.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import type { FittedModel } from '../models/learner.ts';
import type { LoadedSpec } from '../spec/load-spec.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import type { Candidate, Params } from './candidates.ts';
import type { CvScore } from './cv.ts';
import type { CvPool } from './cv-pool.ts';
import type { LatencyMeasure } from '../artifact/latency.ts';
import type { Decision } from './decision.ts';
import type { ErrorAnalysis } from './error-analysis.ts';
import { saveRun } from './run-dir.ts';
import { rankRows, type TableRow } from './select.ts';
import { cvFeatureSets, type FeatureSetRow } from './stages/feature-sets.ts';
import { diagnose } from './stages/diagnose.ts';
import { prepare } from './stages/prepare.ts';
import { refit } from './stages/refit.ts';
import { choose, cvOfContenders, overBudget } from './stages/select.ts';
import { TunedFolds } from './stages/state.ts';
import { validate, type ValidationRow } from './stages/validation.ts';
import type { ThresholdChoice } from './threshold.ts';
import { writeRunArtifact } from './run-artifact.ts';
import type { TuningResult } from './tuning.ts';

export type { FeatureSetRow } from './stages/feature-sets.ts';
export type { StackSummary, ValidationRow } from './stages/validation.ts';

export interface RunTrainingOptions {
  /** Seeds CV, tuning and the learners; default the spec's seed. The split always uses the spec's seed, so every run of a spec locks the same test rows. */
  seed?: number;
  runDir: string;
  onProgress?: (message: string) => void;
  /** The spec's `quick` profile, else smaller models and grids, 3 folds (spec/quick-profile.ts): minutes become seconds. */
  quick?: boolean;
  /** CV folds (default: the run profile's — 5, quick 3). */
  folds?: number;
  /** Replaces the spec's / default candidates (tests instrument learners this way). The first must be the baseline. */
  candidates?: Candidate[];
  /** Candidates tuned (default: the run profile's — 3, quick 2). */
  shortlist?: number;
  /** Full-size fits per tuned candidate (default: the run profile's — 8, quick 3). */
  tuningBudget?: number;
  /** Batch-1 latency of a row's model.onnx for `constraints.max_latency_us` (default: onnxruntime-web, run/latency-budget.ts). */
  measureLatency?: LatencyMeasure;
  /** The worker pool fitting CV folds and tuning trials (default: the shared one, n_jobs 2). */
  pool?: CvPool;
  /**
   * A stacking ensemble next to the averaging one whenever 2+ candidates are shortlisted (default
   * true). It costs k fits per member whose tuned parameters differ from its CV ones.
   */
  stacking?: boolean;
}

export type TuningSummary = Omit<TuningResult, 'model' | 'predictions'>;

export interface TrainingRunResult {
  name: string;
  spec: ProblemSpec;
  specFile: string;
  seed: number;
  runDir: string;
  task: TrainedModel['task'];
  metric: string;
  rows: { train: number; validation: number; test: number; extraTests: number[] };
  /** Column statistics of the train + validation rows (never the test rows). */
  explore: ExploreSummary;
  table: TableRow[];
  /** The feature sets compared, in spec order; `chosen.featureSet` names the one kept. */
  featureSets: FeatureSetRow[];
  /** Failed candidates: name → error message. */
  failures: Record<string, string>;
  tuning: TuningSummary[];
  /** Scores on the validation rows: the baseline, each tuned candidate and the ensembles. */
  validation: ValidationRow[];
  chosen: {
    name: string;
    kind: ModelKind;
    params: Params | Record<string, Params>;
    validation: number;
    cv?: CvScore;
    featureSet: string;
    selectedBy: 'validation' | 'cv';
  };
  /** Binary with a threshold metric: the chosen row's decision threshold, tuned on the validation rows (absent otherwise). */
  threshold?: ThresholdChoice;
  /** `validation`: the baseline's validation score, at its own tuned threshold when there is one (as the provisional decision judges it). */
  baseline: { name: string; validation: number; model: FittedModel };
  importance: FeatureImportance[];
  errors: ErrorAnalysis;
  decision: Decision;
  trainedModel: TrainedModel;
  split: SplitResult;
}

export async function runTraining(loaded: LoadedSpec, opts: RunTrainingOptions): Promise<TrainingRunResult> {
  const ctx = prepare(loaded, opts);
  const { spec, split } = ctx;
  const { kept, featureSets, failures } = await cvFeatureSets(ctx);
  const tunedFolds = new TunedFolds(ctx, kept);
  const v = await validate(ctx, kept, tunedFolds, failures);
  const cvs = await cvOfContenders(ctx, kept, v, tunedFolds, failures);
  const chosen = choose(ctx, v, cvs, await overBudget(ctx, kept, v));
  const { decision, importance, errors } = diagnose(ctx, kept, v, chosen);
  const chosenCv = cvs.get(chosen);
  const cvRow = chosenCv ? { cv: chosenCv } : kept.cv.rows.find((r) => r.name === chosen.name);
  const final = await refit(ctx, kept, chosen, cvRow?.cv);

  const result: TrainingRunResult = {
    name: spec.name,
    spec,
    specFile: loaded.file,
    seed: ctx.seed,
    runDir: opts.runDir,
    task: spec.task,
    metric: spec.metric,
    rows: {
      train: split.train.length,
      validation: split.validation.length,
      test: split.test.rowCount,
      extraTests: split.extraTests.map((t) => t.rowCount),
    },
    explore: exploreSummary(spec, split.table, 'train + validation rows (the locked test rows are not explored)'),
    table: rankRows(kept.cv.rows, spec.metric),
    featureSets,
    failures,
    tuning: v.tuned.map(({ model: _m, predictions: _p, ...rest }) => rest),
    validation: v.rows,
    chosen: {
      name: chosen.name,
      kind: final.trainedModel.model.kind,
      params: chosen.params,
      validation: chosen.score,
      ...(cvRow ? { cv: cvRow.cv } : {}),
      featureSet: kept.set.name,
      selectedBy: spec.cv.select,
    },
    ...(chosen.threshold ? { threshold: chosen.threshold } : {}),
    baseline: {
      name: ctx.baseline.name,
      validation: v.rows[0]?.score ?? v.baseline.atDefault,
      model: final.baseline,
    },
    importance,
    errors,
    decision,
    trainedModel: final.trainedModel,
    split,
  };
  ctx.progress(`writing the run to ${opts.runDir}`);
  saveRun(result);
  ctx.progress('exporting the model the run ships (model.onnx)…');
  await writeRunArtifact(opts.runDir, result.trainedModel);
  return result;
}
