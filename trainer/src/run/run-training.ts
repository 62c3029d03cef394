/**
 * A spec-driven training run (issue "Trainer" §5–6, steps 3–4 of the workflow): split and lock the
 * test rows, a baseline first, k-fold CV of every candidate (pipeline refitted per fold), a
 * shortlist, tuning on the validation rows, an averaging and a stacking ensemble (run/stacking.ts:
 * a meta-learner on the members' out-of-fold predictions of the training rows) evaluated the same
 * way, a provisional go/no-go on validation, and the final refit on train + validation. Binary
 * tasks with a threshold metric tune every validation row's decision threshold (the baseline's
 * too) and choose the model by its score at its own threshold. The locked test rows are never
 * opened here — that is `outpost test`.
 */
import type { Column, NumericColumn } from '../data/dataset.ts';
import { column, encodeTarget, featureNames, loadSpecData } from '../data/load.ts';
import { splitAndLock, type SplitResult } from '../data/locked-test.ts';
import { permutationImportance, type FeatureImportance } from '../eval/importance.ts';
import { metricByName } from '../eval/metrics.ts';
import { exploreSummary, type ExploreSummary } from '../explore/summary.ts';
import type { FittedModel } from '../models/learner.ts';
import type { LatencyMeasure } from '../artifact/quantized.ts';
import type { LoadedSpec } from '../spec/load-spec.ts';
import { runProfile } from '../spec/quick-profile.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import { candidatesFor, type Candidate, type Params } from './candidates.ts';
import {
  crossValidate,
  design,
  fitContext,
  foldDesigns,
  kFolds,
  summarise,
  type CvScore,
  type Design,
  type RunData,
} from './cv.ts';
import { cvTable, metaOptions, predictionWidth, STACKING, type CvTable } from './cv-table.ts';
import { featureSetsOf, type FeatureSet } from './feature-sets.ts';
import { groupFolds, groupKeys } from './group-folds.ts';
import { decide, decisionMetric, type Decision } from './decision.ts';
import { averagePredictions, EnsembleModel } from './ensemble.ts';
import {
  applyMeta,
  fitStackMeta,
  metaJSON,
  outOfFold,
  stackFeatures,
  StackingModel,
  stackingFoldPredictions,
  type StackingJSON,
  type StackMeta,
} from './stacking.ts';
import { errorAnalysis, type ErrorAnalysis } from './error-analysis.ts';
import { rankRows, shortlist, type EnsembleMethod, type TableRow } from './select.ts';
import { saveRun } from './run-dir.ts';
import { describeBudgets, hasBudget, judgeBudgets, latencyProbe } from './budgets.ts';
import { modelOnnx } from './size-budget.ts';
import { buildTrainedModel } from './trained-model-build.ts';
import type { TrainedModel } from './trained-model.ts';
import { metricAt, thresholdFor, type ThresholdChoice } from './threshold.ts';
import { tune, type TuningResult } from './tuning.ts';

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
  /**
   * A stacking ensemble next to the averaging one whenever 2+ candidates are shortlisted (default
   * true). It costs k fits per member whose tuned parameters differ from its CV ones.
   */
  stacking?: boolean;
  /** Batch-1 latency of a row's model.onnx for `constraints.max_latency_us` (default: onnxruntime-web, run/latency-budget.ts). */
  measureLatency?: LatencyMeasure;
}

export { STACKING } from './cv-table.ts';

/** A feature set's best CV row (the spec's `feature_sets`; one set `all` when it names none). */
export interface FeatureSetRow {
  name: string;
  features: string[];
  best?: { name: string; cv: CvScore };
}

/** What the validation table records of a stacking row's meta-learner. */
export type StackSummary = Pick<StackingJSON, 'learner' | 'link'> &
  StackingJSON['meta'] & {
    /** Out-of-fold rows the meta-learner was fitted on: the training rows (never validation or test). */
    trainingRows: number;
    folds: number;
    /** Member fits spent on out-of-fold predictions (0 when the CV fits were reused). */
    extraFits: number;
  };

export type TuningSummary = Omit<TuningResult, 'model' | 'predictions'>;

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
    kind: string;
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
  const { spec } = loaded;
  const seed = opts.seed ?? spec.seed;
  const quick = opts.quick ?? false;
  const progress = opts.onProgress ?? ((): void => {});
  const metric = metricByName(spec.metric);
  const better = (a: number, b: number): boolean => (metric.higherIsBetter ? a > b : a < b);

  const specData = loadSpecData(loaded);
  const split = splitAndLock(specData, spec);
  const enc = encodeTarget(split.table, spec);
  const target: NumericColumn = { kind: 'numeric', name: spec.target.column, values: enc.values };
  const base: RunData = { spec, table: split.table, columns: [], target };
  if (enc.classes) base.classes = enc.classes;
  progress(
    `data: ${split.train.length} train, ${split.validation.length} validation, ${split.test.rowCount} locked test rows`,
  );

  // 1. Every candidate by k-fold CV on the training rows — on every feature set the spec names;
  //    the set holding the best candidate is kept for everything after.
  const profile = runProfile(spec, quick);
  const candidates = opts.candidates ?? candidatesFor(spec.task, profile.candidates, quick);
  const k = opts.folds ?? profile.folds;
  const folds = spec.cv.group
    ? groupFolds(split.train, k, groupKeys(column(split.table, spec.cv.group.column), spec.cv.group.by))
    : kFolds(split.train, k, seed, spec.task === 'regression' ? undefined : target.values);
  const shortlistSize = opts.shortlist ?? profile.shortlist;
  const stacking = opts.stacking ?? profile.stacking;
  const sets = featureSetsOf(
    spec,
    featureNames(
      spec,
      split.table.columns.map((c) => c.name),
    ),
  );
  const featureSets: FeatureSetRow[] = [];
  const setFailures: { set: string; failures: Record<string, string> }[] = [];
  let kept: { set: FeatureSet; data: RunData; designs: Design[]; cv: CvTable; best?: TableRow } | undefined;
  for (const set of sets) {
    if (sets.length > 1) progress(`feature set ${set.name}: ${set.features.join(', ')}`);
    const setData: RunData = { ...base, columns: set.features.map((n) => column(split.table, n)) };
    const setDesigns = foldDesigns(setData, folds);
    const cv = await cvTable(setData, setDesigns, candidates, {
      metric,
      seed,
      shortlist: shortlistSize,
      stacking,
      progress,
    });
    setFailures.push({ set: set.name, failures: cv.failures });
    const best = rankRows(cv.rows, spec.metric).find((r) => !r.baseline && Number.isFinite(r.cv.mean));
    featureSets.push({
      name: set.name,
      features: set.features,
      ...(best ? { best: { name: best.name, cv: best.cv } } : {}),
    });
    if (!kept || (best && (!kept.best || better(best.cv.mean, kept.best.cv.mean))))
      kept = { set, data: setData, designs: setDesigns, cv, ...(best ? { best } : {}) };
  }
  const keptSet = kept as NonNullable<typeof kept>; // `sets` is never empty
  const { data, designs } = keptSet;
  const { rows: table, foldPredictions } = keptSet.cv;
  // Failures of every set are reported, the other sets' under `<set>/<candidate>`.
  const failures: Record<string, string> = { ...keptSet.cv.failures };
  for (const { set, failures: f } of setFailures)
    if (set !== keptSet.set.name) for (const [n, e] of Object.entries(f)) failures[`${set}/${n}`] = e;
  const columns = data.columns;
  if (sets.length > 1) progress(`feature set kept: ${keptSet.set.name}`);
  const baselineCandidate = candidates.find((c) => c.baseline) ?? (candidates[0] as Candidate);
  const short = shortlist(table, spec.metric, shortlistSize);
  const width = predictionWidth(data);
  const metaOpts = metaOptions(data, seed);

  // 2. Baseline, tuning and the ensembles on the validation rows (fit on train only). Binary with a
  //    threshold metric: every row's decision threshold is tuned on its own validation predictions,
  //    and rows are compared (and the model chosen) by the score at that threshold.
  const val = design(data, split.train, split.validation);
  const validation: ValidationRow[] = [];
  const scored = (row: ValidationRow, predictions: Float64Array): ThresholdChoice | undefined => {
    const choice = thresholdFor(spec.task, spec.metric, val.held.y, predictions);
    if (choice)
      Object.assign(row, { score: choice.score, threshold: choice.threshold, scoreAtDefault: choice.atDefault });
    validation.push(row);
    return choice;
  };
  const baselineFit = await baselineCandidate.learner.fit(
    val.train.x,
    val.train.y,
    baselineCandidate.params,
    fitContext(data, seed, val.pipeline.features),
  );
  const baselinePred = baselineFit.predict(val.held.x);
  const baselineAtDefault = metric.fn(val.held.y, baselinePred);
  const baselineThreshold = scored(
    { name: baselineCandidate.name, params: baselineCandidate.params, score: baselineAtDefault },
    baselinePred,
  );
  const tuned: TuningResult[] = [];
  type Pick = {
    name: string;
    score: number;
    model: FittedModel;
    predictions: Float64Array;
    params: Params | Record<string, Params>;
    threshold?: ThresholdChoice;
    members?: TuningResult[];
    meta?: StackMeta;
  };
  const picks: Pick[] = [];
  // Held-out fold predictions of a candidate at its tuned parameters (the CV fits when tuning kept
  // the CV parameters), for the stacking meta-learner and for `cv.select: cv`.
  const tunedFoldCache = new Map<string, Float64Array[]>();
  let tunedFoldFits = 0;
  const tunedFolds = async (name: string, params: Params): Promise<Float64Array[]> => {
    const c = candidateNamed(candidates, name);
    const key = `${name} ${JSON.stringify(params)}`;
    const known = (sameParams(params, c.params) ? foldPredictions.get(name) : undefined) ?? tunedFoldCache.get(key);
    if (known) return known;
    progress(`cv of ${name} with its tuned parameters (${designs.length} fits)…`);
    const predictions = (await crossValidate(data, designs, c, params, seed)).predictions;
    tunedFoldFits += designs.length;
    tunedFoldCache.set(key, predictions);
    return predictions;
  };
  for (const row of short) {
    const c = candidateNamed(candidates, row.name);
    progress(`tuning ${c.name} on validation…`);
    const t = await tune(data, val, c, {
      seed,
      budget: opts.tuningBudget ?? profile.tuningBudget,
      onProgress: progress,
    });
    tuned.push(t);
    const v: ValidationRow = { name: c.name, params: t.best, score: t.bestScore };
    const choice = scored(v, t.predictions);
    picks.push({
      name: c.name,
      score: v.score,
      model: t.model,
      predictions: t.predictions,
      params: t.best,
      ...(choice ? { threshold: choice } : {}),
    });
  }
  if (tuned.length >= 2) {
    // Members: the best three tuned candidates by their (threshold-tuned) validation score.
    const ranked = [...picks]
      .sort((a, b) => (better(a.score, b.score) ? -1 : better(b.score, a.score) ? 1 : 0))
      .slice(0, 3);
    const members = ranked.map((p) => tuned.find((t) => t.candidate === p.name) as TuningResult);
    const names = members.map((m) => m.candidate);
    const params = Object.fromEntries(members.map((m) => [m.candidate, m.best]));
    const predictions = averagePredictions(
      members.map((m) => m.predictions),
      members.map(() => 1 / members.length),
    );
    const avg: ValidationRow = {
      name: 'ensemble',
      params,
      score: metric.fn(val.held.y, predictions),
      members: names,
      method: 'average',
    };
    const avgChoice = scored(avg, predictions);
    const model = new EnsembleModel(members.map((m) => ({ model: m.model, weight: 1 })));
    picks.push({
      name: 'ensemble',
      score: avg.score,
      model,
      predictions,
      params,
      members,
      ...(avgChoice ? { threshold: avgChoice } : {}),
    });
    if (stacking) {
      try {
        // The meta-learner's rows: each member's (tuned) out-of-fold predictions of the training
        // rows on the run's CV folds; the CV fits are reused when tuning kept the CV parameters.
        const memberFolds: Float64Array[][] = [];
        const fitsBefore = tunedFoldFits;
        for (const m of members) memberFolds.push(await tunedFolds(m.candidate, m.best));
        const extraFits = tunedFoldFits - fitsBefore;
        const oof = outOfFold(designs, memberFolds, width);
        const meta = await fitStackMeta(spec.task, oof.x, oof.y, metaOpts);
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
        const stackChoice = scored(stack, stackPred);
        picks.push({
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
        failures[STACKING] = (err as Error).message;
        progress(`stacking failed: ${(err as Error).message}`);
      }
    }
  }
  // `cv.select: cv`: every pick is scored by CV with its tuned parameters on the run's folds and
  // chosen by that score. Its decision threshold (binary, threshold metric) is tuned on the pooled
  // out-of-fold predictions too — all training rows rather than the validation slice, which is too
  // small or too easy to pin a threshold down — and its validation row is re-scored at it.
  const pickCv = new Map<Pick, CvScore>();
  if (spec.cv.select === 'cv') {
    for (const p of picks) {
      try {
        let folds: Float64Array[];
        if (p.members) {
          const memberFolds: Float64Array[][] = [];
          for (const m of p.members) memberFolds.push(await tunedFolds(m.candidate, m.best));
          folds = p.meta
            ? await stackingFoldPredictions(spec.task, outOfFold(designs, memberFolds, width), designs.length, metaOpts)
            : designs.map((_, f) =>
                averagePredictions(
                  memberFolds.map((mf) => mf[f] as Float64Array),
                  memberFolds.map(() => 1 / memberFolds.length),
                ),
              );
        } else {
          folds = await tunedFolds(p.name, p.params as Params);
        }
        const cvThreshold = thresholdFor(spec.task, spec.metric, concat(designs.map((d) => d.held.y)), concat(folds));
        const at = metricAt(spec.metric, cvThreshold?.threshold);
        const cv = summarise(designs.map((d, f) => at.fn(d.held.y, folds[f] as Float64Array)));
        pickCv.set(p, cv);
        const row = validation.find((v) => v.name === p.name);
        if (cvThreshold) {
          const onValidation = at.fn(val.held.y, p.predictions);
          const positives = p.predictions.reduce((n, v) => n + (v >= cvThreshold.threshold ? 1 : 0), 0);
          p.threshold = {
            ...cvThreshold,
            score: onValidation,
            atDefault: metric.fn(val.held.y, p.predictions),
            positiveShare: positives / Math.max(1, p.predictions.length),
            on: 'cv',
          };
          p.score = onValidation;
          if (row) Object.assign(row, { threshold: cvThreshold.threshold, score: onValidation });
        }
        if (row) row.cv = cv;
        progress(
          `cv of tuned ${p.name}: ${metric.name} ${cv.mean.toPrecision(5)} ± ${cv.std.toPrecision(3)}${cvThreshold ? ` at threshold ${cvThreshold.threshold.toPrecision(3)} (tuned on the out-of-fold predictions)` : ''}`,
        );
      } catch (err) {
        failures[`${p.name} (tuned cv)`] = (err as Error).message;
        progress(`cv of tuned ${p.name} failed: ${(err as Error).message}`);
      }
    }
  }
  // `constraints` (max_model_bytes, max_latency_us): a row whose exported model is over a budget is not chosen.
  const overBudget = new Set<Pick>();
  if (hasBudget(spec)) {
    const probe = latencyProbe(val.pipeline, columns, split.train);
    for (const p of picks) {
      const onnx = modelOnnx(spec, val.pipeline, p.model, data.classes, p.threshold?.threshold);
      const figures = await judgeBudgets(spec, onnx, probe, opts.measureLatency);
      const row = validation.find((v) => v.name === p.name);
      if (row)
        Object.assign(
          row,
          { bytes: figures.bytes },
          figures.latencyUs !== undefined ? { latencyUs: figures.latencyUs } : {},
        );
      if (figures.over.length > 0) {
        overBudget.add(p);
        progress(`${p.name}: ${describeBudgets(spec, figures)} — not chosen`);
      }
    }
  }
  const selectBy = (p: Pick): number => (spec.cv.select === 'cv' ? (pickCv.get(p)?.mean ?? NaN) : p.score);
  let chosen: Pick | undefined;
  for (const p of picks)
    if (!overBudget.has(p) && Number.isFinite(selectBy(p)) && (!chosen || better(selectBy(p), selectBy(chosen))))
      chosen = p;
  if (!chosen) {
    // No candidate besides the baseline survived (or fits the size budget): the baseline is the model (and a no-go).
    chosen = {
      name: baselineCandidate.name,
      score: validation[0]?.score ?? NaN,
      model: baselineFit,
      predictions: baselinePred,
      params: baselineCandidate.params,
      ...(baselineThreshold ? { threshold: baselineThreshold } : {}),
    };
  }
  const chosenCv = pickCv.get(chosen);
  progress(
    `chosen: ${chosen.name} (validation ${metric.name} ${chosen.score.toPrecision(5)}${chosenCv ? `, tuned cv ${chosenCv.mean.toPrecision(5)}` : ''})`,
  );

  // 3. The chosen row's decision threshold (binary, threshold metric), tuned on its validation predictions only.
  const threshold = chosen.threshold;
  const cut = threshold?.threshold;
  if (threshold)
    progress(
      `decision threshold ${threshold.threshold.toPrecision(3)} (tuned on ${threshold.on === 'cv' ? 'the out-of-fold predictions' : 'validation'}): validation ${metric.name} ${threshold.score.toPrecision(5)} vs ${threshold.atDefault.toPrecision(5)} at 0.5`,
    );

  // 4. Provisional decision, importance and error analysis on validation.
  // The baseline is judged at its own tuned threshold too (a fair comparison: "always positive" is a
  // baseline for F1); without a threshold both are the plain metric.
  const dm = metricAt(decisionMetric(spec), cut);
  const baselineScore = metricAt(decisionMetric(spec), baselineThreshold?.threshold).fn(val.held.y, baselinePred);
  const decision = decide(spec, dm.fn(val.held.y, chosen.predictions), baselineScore, 'provisional');
  const importance = permutationImportance(chosen.model, val.held.x, val.held.y, metricAt(spec.metric, cut), {
    repeats: quick ? 2 : 5,
    seed,
    featureNames: val.pipeline.features,
  });
  const segCols = [...columns, ...(spec.task === 'regression' ? [target] : [])].map((c) =>
    takeColumnRows(c, val.held.rows),
  );
  const errors = errorAnalysis({
    metric: spec.metric,
    y: val.held.y,
    predictions: chosen.predictions,
    columns: segCols,
    seed,
    ...(cut !== undefined ? { threshold: cut } : {}),
  });

  // 5. Final refit on train + validation, pipeline included.
  progress(`final refit of ${chosen.name} on train + validation…`);
  const all = [...split.train, ...split.validation].sort((a, b) => a - b);
  const fin = design(data, all);
  const ctx = fitContext(data, seed, fin.pipeline.features);
  let finalModel: FittedModel;
  if (chosen.members) {
    const fitted: FittedModel[] = [];
    for (const m of chosen.members)
      fitted.push(await candidateNamed(candidates, m.candidate).learner.fit(fin.train.x, fin.train.y, m.best, ctx));
    // Stacking keeps the meta-learner fitted on the training rows' out-of-fold predictions.
    finalModel = chosen.meta
      ? new StackingModel(fitted, chosen.meta)
      : new EnsembleModel(fitted.map((model) => ({ model, weight: 1 })));
  } else {
    const c = candidates.find((x) => x.name === chosen.name) as Candidate;
    finalModel = await c.learner.fit(fin.train.x, fin.train.y, chosen.params as Params, ctx);
  }
  const finalBaseline = await baselineCandidate.learner.fit(fin.train.x, fin.train.y, baselineCandidate.params, ctx);

  const cvRow = chosenCv ? { cv: chosenCv } : table.find((r) => r.name === chosen.name);
  const trainedModel = buildTrainedModel({
    loaded,
    data,
    specData,
    split,
    pipeline: fin.pipeline,
    model: finalModel,
    params: chosen.params as Params,
    seed,
    finalRows: fin.train.rows,
    validationRows: split.validation,
    cv: cvRow?.cv,
    validationScore: chosen.score,
    ...(cut !== undefined ? { threshold: cut } : {}),
  });
  const result: TrainingRunResult = {
    name: spec.name,
    spec,
    specFile: loaded.file,
    seed,
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
    table: rankRows(table, spec.metric),
    featureSets,
    failures,
    tuning: tuned.map(({ model: _m, predictions: _p, ...rest }) => rest),
    validation,
    chosen: {
      name: chosen.name,
      kind: finalModel.kind,
      params: chosen.params,
      validation: chosen.score,
      ...(cvRow ? { cv: cvRow.cv } : {}),
      featureSet: keptSet.set.name,
      selectedBy: spec.cv.select,
    },
    ...(threshold ? { threshold } : {}),
    baseline: {
      name: baselineCandidate.name,
      validation: validation[0]?.score ?? baselineAtDefault,
      model: finalBaseline,
    },
    importance,
    errors,
    decision,
    trainedModel,
    split,
  };
  progress(`writing the run to ${opts.runDir}`);
  saveRun(result);
  return result;
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function candidateNamed(candidates: readonly Candidate[], name: string): Candidate {
  return candidates.find((c) => c.name === name) as Candidate;
}

const sameParams = (a: Params, b: Params): boolean => JSON.stringify(a) === JSON.stringify(b);

function takeColumnRows(col: Column, rows: readonly number[]): Column {
  if (col.kind === 'numeric')
    return { kind: 'numeric', name: col.name, values: Float64Array.from(rows, (r) => col.values[r] as number) };
  return { kind: 'categorical', name: col.name, values: rows.map((r) => col.values[r] as string) };
}
