/**
 * Stage 2: the baseline, the tuning of the shortlisted candidates and the ensembles, all fitted on
 * the training rows and scored on the validation rows. Binary with a threshold metric: every row's
 * decision threshold is tuned on its own validation predictions, and rows are compared (and the
 * model chosen) by the score at that threshold.
 */
import { AveragingModel, averagePredictions } from '../../learners/averaging/model.ts';
import { applyMeta, metaJSON, stackFeatures, StackingModel } from '../../learners/stacking/model.ts';
import type { StackingSaved } from '../../model/saved.ts';
import type { FittedModel } from '../../models/learner.ts';
import type { Params } from '../candidates.ts';
import { fitDesign, fitContext, type CvScore, type Design } from '../cv.ts';
import { AVERAGING, metaOptions, predictionWidth, STACKING } from '../cv-table.ts';
import { shortlist, type EnsembleMethod } from '../select.ts';
import { fitStackMeta, outOfFold } from '../stacking.ts';
import { thresholdFor, type ThresholdChoice } from '../threshold.ts';
import { tune, type TuningResult } from '../tuning.ts';
import { candidateNamed, type Contender, type KeptSet, type RunContext, type TunedFolds } from './state.ts';

/** What the validation table records of a stacking row's meta-learner. */
export type StackSummary = Pick<StackingSaved, 'learner' | 'link'> &
  StackingSaved['meta'] & {
    /** Out-of-fold rows the meta-learner was fitted on: the training rows (never validation or test). */
    trainingRows: number;
    folds: number;
    /** Member fits spent on out-of-fold predictions (0 when the CV fits were reused). */
    extraFits: number;
  };

export interface ValidationRow {
  name: string;
  params: Params | Record<string, Params>;
  /** The score the rows are compared (and the model chosen) by: at `threshold` when there is one. */
  score: number;
  members?: string[];
  /** An ensemble row's method. */
  method?: EnsembleMethod;
  /** Binary with a threshold metric: this row's decision threshold, tuned on its own validation predictions. */
  threshold?: number;
  /** Its score at 0.5. */
  scoreAtDefault?: number;
  /** A stacking row: its meta-learner. */
  stack?: StackSummary;
  /** `cv.select: cv`: this row's CV score with its tuned parameters (at its threshold), what the model is chosen by. */
  cv?: CvScore;
  /** `constraints` set: the size of this row's float model.onnx (size-budget.ts). */
  bytes?: number;
  /** `constraints.max_latency_us` set: its median batch-1 latency in onnxruntime-web, µs (latency-budget.ts). */
  latencyUs?: number;
}

export interface ValidationResult {
  /** The training rows designed by a pipeline fitted on them, and the validation rows by the same pipeline. */
  val: Design;
  rows: ValidationRow[];
  tuned: TuningResult[];
  contenders: Contender[];
  baseline: { fit: FittedModel; predictions: Float64Array; atDefault: number; threshold?: ThresholdChoice };
}

export async function validate(
  ctx: RunContext,
  kept: KeptSet,
  tunedFolds: TunedFolds,
  failures: Record<string, string>,
): Promise<ValidationResult> {
  const { spec, split, seed, metric, progress } = ctx;
  const { data } = kept;
  const val = fitDesign(data, split.train, split.validation);
  const rows: ValidationRow[] = [];
  const scored = (row: ValidationRow, predictions: Float64Array): ThresholdChoice | undefined => {
    const choice = thresholdFor(spec.task, spec.metric, val.held.y, predictions);
    if (choice)
      Object.assign(row, { score: choice.score, threshold: choice.threshold, scoreAtDefault: choice.atDefault });
    rows.push(row);
    return choice;
  };

  const b = ctx.baseline;
  const baselineFit = await b.learner.fit(
    val.train.x,
    val.train.y,
    b.params,
    fitContext(data, seed, val.pipeline.features),
  );
  const baselinePred = baselineFit.predict(val.held.x);
  const baselineAtDefault = metric.fn(val.held.y, baselinePred);
  const baselineThreshold = scored({ name: b.name, params: b.params, score: baselineAtDefault }, baselinePred);

  const tuned: TuningResult[] = [];
  const contenders: Contender[] = [];
  for (const row of shortlist(kept.cv.rows, spec.metric, ctx.shortlistSize)) {
    const c = candidateNamed(ctx.candidates, row.name);
    progress(`tuning ${c.name} on validation…`);
    const t = await tune(data, val, c, { seed, budget: ctx.tuningBudget, onProgress: progress, ...ctx.parallel });
    tuned.push(t);
    const v: ValidationRow = { name: c.name, params: t.best, score: t.bestScore };
    const choice = scored(v, t.predictions);
    contenders.push({
      name: c.name,
      score: v.score,
      model: t.model,
      predictions: t.predictions,
      params: t.best,
      ...(choice ? { threshold: choice } : {}),
    });
  }
  if (tuned.length >= 2) await ensembles(ctx, kept, val, { tuned, contenders, scored, tunedFolds, failures });
  return {
    val,
    rows,
    tuned,
    contenders,
    baseline: {
      fit: baselineFit,
      predictions: baselinePred,
      atDefault: baselineAtDefault,
      ...(baselineThreshold ? { threshold: baselineThreshold } : {}),
    },
  };
}

/** The averaging and (unless turned off) the stacking ensemble of the best three tuned candidates. */
async function ensembles(
  ctx: RunContext,
  kept: KeptSet,
  val: Design,
  s: {
    tuned: TuningResult[];
    contenders: Contender[];
    scored: (row: ValidationRow, predictions: Float64Array) => ThresholdChoice | undefined;
    tunedFolds: TunedFolds;
    failures: Record<string, string>;
  },
): Promise<void> {
  const { spec, metric, progress, better } = ctx;
  const { data, designs } = kept;
  // Members: the best three tuned candidates by their (threshold-tuned) validation score.
  const ranked = [...s.contenders]
    .sort((a, b) => (better(a.score, b.score) ? -1 : better(b.score, a.score) ? 1 : 0))
    .slice(0, 3);
  const members = ranked.map((p) => s.tuned.find((t) => t.candidate === p.name) as TuningResult);
  const names = members.map((m) => m.candidate);
  const params = Object.fromEntries(members.map((m) => [m.candidate, m.best]));
  const predictions = averagePredictions(
    members.map((m) => m.predictions),
    members.map(() => 1 / members.length),
  );
  const avg: ValidationRow = {
    name: AVERAGING,
    params,
    score: metric.fn(val.held.y, predictions),
    members: names,
    method: 'average',
  };
  const avgChoice = s.scored(avg, predictions);
  s.contenders.push({
    name: AVERAGING,
    score: avg.score,
    model: new AveragingModel(members.map((m) => ({ model: m.model, weight: 1 }))),
    predictions,
    params,
    members,
    ...(avgChoice ? { threshold: avgChoice } : {}),
  });
  if (!ctx.stacking) return;
  try {
    // The meta-learner's rows: each member's (tuned) out-of-fold predictions of the training
    // rows on the run's CV folds; the CV fits are reused when tuning kept the CV parameters.
    const width = predictionWidth(data);
    const memberFolds: Float64Array[][] = [];
    const fitsBefore = s.tunedFolds.fits;
    for (const m of members) memberFolds.push(await s.tunedFolds.of(m.candidate, m.best));
    const extraFits = s.tunedFolds.fits - fitsBefore;
    const oof = outOfFold(designs, memberFolds, width);
    const meta = await fitStackMeta(spec.task, oof.x, oof.y, metaOptions(data, ctx.seed));
    const stackPred = applyMeta(
      meta,
      stackFeatures(
        members.map((m) => m.predictions),
        val.held.y.length,
        width,
      ),
    );
    const stack: ValidationRow = {
      name: STACKING,
      params,
      score: metric.fn(val.held.y, stackPred),
      members: names,
      method: 'stack',
      stack: {
        learner: meta.learner,
        link: meta.link,
        ...metaJSON(meta),
        trainingRows: oof.rows.length,
        folds: designs.length,
        extraFits,
      },
    };
    const stackChoice = s.scored(stack, stackPred);
    s.contenders.push({
      name: STACKING,
      score: stack.score,
      model: new StackingModel(
        members.map((m) => m.model),
        meta,
      ),
      predictions: stackPred,
      params,
      members,
      meta,
      ...(stackChoice ? { threshold: stackChoice } : {}),
    });
    progress(
      `stacking (${meta.learner} on out-of-fold predictions of ${oof.rows.length} training rows): ${metric.name} ${stack.score.toPrecision(5)} vs averaging ${avg.score.toPrecision(5)}`,
    );
  } catch (err) {
    s.failures[STACKING] = (err as Error).message;
    progress(`stacking failed: ${(err as Error).message}`);
  }
}
