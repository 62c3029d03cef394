/**
 * A spec-driven training run (issue "Trainer" §5–6, steps 3–4 of the workflow): split and lock the
 * test rows, a baseline first, k-fold CV of every candidate (pipeline refitted per fold), a
 * shortlist, tuning on the validation rows, an averaging ensemble evaluated the same way, a
 * provisional go/no-go on validation, and the final refit on train + validation. The locked test
 * rows are never opened here — that is `outpost test`.
 */
import type { Column, NumericColumn } from '../data/dataset.ts';
import { column, encodeTarget, featureNames, loadSpecData } from '../data/load.ts';
import { splitAndLock, type SplitResult } from '../data/locked-test.ts';
import { permutationImportance, type FeatureImportance } from '../eval/importance.ts';
import { metricByName } from '../eval/metrics.ts';
import { exploreSummary, type ExploreSummary } from '../explore/summary.ts';
import type { FittedModel } from '../models/learner.ts';
import type { LoadedSpec } from '../spec/load-spec.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import { candidatesFor, type Candidate, type Params } from './candidates.ts';
import { crossValidate, design, fitContext, foldDesigns, kFolds, summarise, type CvScore, type RunData } from './cv.ts';
import { decide, decisionMetric, type Decision } from './decision.ts';
import { averagePredictions, EnsembleModel } from './ensemble.ts';
import { errorAnalysis, type ErrorAnalysis } from './error-analysis.ts';
import { rankRows, shortlist, type TableRow } from './select.ts';
import { saveRun } from './run-dir.ts';
import { buildTrainedModel } from './trained-model-build.ts';
import type { TrainedModel } from './trained-model.ts';
import { metricAt, thresholdFor, type ThresholdChoice } from './threshold.ts';
import { tune, type TuningResult } from './tuning.ts';

export interface RunTrainingOptions {
  /** Seeds CV, tuning and the learners; default the spec's seed. The split always uses the spec's seed, so every run of a spec locks the same test rows. */
  seed?: number;
  runDir: string;
  onProgress?: (message: string) => void;
  /** Smaller models and grids, 3 folds: minutes become seconds. */
  quick?: boolean;
  /** CV folds (default 5, quick 3). */
  folds?: number;
  /** Replaces the spec's / default candidates (tests instrument learners this way). The first must be the baseline. */
  candidates?: Candidate[];
  /** Candidates tuned (default 3, quick 2). */
  shortlist?: number;
  /** Full-size fits per tuned candidate (default 8, quick 3). */
  tuningBudget?: number;
}

export type TuningSummary = Omit<TuningResult, 'model' | 'predictions'>;

export interface ValidationRow {
  name: string;
  params: Params | Record<string, Params>;
  score: number;
  members?: string[];
  /** The chosen model's row: `score` is at this threshold, tuned on these validation rows. */
  threshold?: number;
  /** Its score at 0.5, comparable with the other rows. */
  scoreAtDefault?: number;
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
  /** Failed candidates: name → error message. */
  failures: Record<string, string>;
  tuning: TuningSummary[];
  /** Scores on the validation rows: the baseline, each tuned candidate and the ensemble. */
  validation: ValidationRow[];
  chosen: { name: string; kind: string; params: Params | Record<string, Params>; validation: number; cv?: CvScore };
  /** Binary with a threshold metric: the decision threshold tuned on the validation rows (absent otherwise). */
  threshold?: ThresholdChoice;
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
  const columns: Column[] = featureNames(spec, split.table.columns.map((c) => c.name)).map((n) => column(split.table, n));
  const data: RunData = { spec, table: split.table, columns, target };
  if (enc.classes) data.classes = enc.classes;
  progress(`data: ${split.train.length} train, ${split.validation.length} validation, ${split.test.rowCount} locked test rows`);

  // 1. Every candidate by k-fold CV on the training rows.
  const candidates = opts.candidates ?? candidatesFor(spec.task, spec.candidates, quick);
  const k = opts.folds ?? (quick ? 3 : 5);
  const folds = kFolds(split.train, k, seed, spec.task === 'regression' ? undefined : target.values);
  const designs = foldDesigns(data, folds);
  const table: TableRow[] = [];
  const failures: Record<string, string> = {};
  const foldPredictions = new Map<string, Float64Array[]>();
  for (const c of candidates) {
    const started = performance.now();
    progress(`cv ${c.name} (${k} folds)…`);
    try {
      const r = await crossValidate(data, designs, c, c.params, seed);
      foldPredictions.set(c.name, r.predictions);
      const row: TableRow = { name: c.name, params: c.params, cv: { mean: r.mean, std: r.std, folds: r.folds }, seconds: (performance.now() - started) / 1000 };
      if (c.baseline) row.baseline = true;
      table.push(row);
      progress(`cv ${c.name}: ${metric.name} ${r.mean.toPrecision(5)} ± ${r.std.toPrecision(3)} (${row.seconds.toFixed(1)} s)`);
    } catch (err) {
      failures[c.name] = (err as Error).message;
      progress(`cv ${c.name} failed: ${(err as Error).message}`);
    }
  }
  const baselineCandidate = candidates.find((c) => c.baseline) ?? (candidates[0] as Candidate);
  const short = shortlist(table, spec.metric, opts.shortlist ?? (quick ? 2 : 3));
  if (short.length >= 2) {
    // The averaging ensemble's CV reuses the members' held-out fold predictions.
    const members = short.slice(0, Math.min(3, short.length));
    const scores = designs.map((d, f) => metric.fn(d.held.y, averagePredictions(members.map((m) => (foldPredictions.get(m.name) as Float64Array[])[f] as Float64Array), members.map(() => 1 / members.length))));
    table.push({ name: 'ensemble', params: {}, cv: summarise(scores), members: members.map((m) => m.name), seconds: 0 });
  }

  // 2. Baseline, tuning and the ensemble on the validation rows (fit on train only).
  const val = design(data, split.train, split.validation);
  const baselineFit = await baselineCandidate.learner.fit(val.train.x, val.train.y, baselineCandidate.params, fitContext(data, seed, val.pipeline.features));
  const baselinePred = baselineFit.predict(val.held.x);
  const validation: ValidationRow[] = [{ name: baselineCandidate.name, params: baselineCandidate.params, score: metric.fn(val.held.y, baselinePred) }];
  const tuned: TuningResult[] = [];
  for (const row of short) {
    const c = candidates.find((x) => x.name === row.name) as Candidate;
    progress(`tuning ${c.name} on validation…`);
    const t = await tune(data, val, c, { seed, budget: opts.tuningBudget ?? (quick ? 3 : 8), onProgress: progress });
    tuned.push(t);
    validation.push({ name: c.name, params: t.best, score: t.bestScore });
  }
  type Pick = { name: string; score: number; model: FittedModel; predictions: Float64Array; params: Params | Record<string, Params>; members?: TuningResult[] };
  let chosen: Pick | undefined;
  for (const t of tuned) if (!chosen || better(t.bestScore, chosen.score)) chosen = { name: t.candidate, score: t.bestScore, model: t.model, predictions: t.predictions, params: t.best };
  if (tuned.length >= 2) {
    const members = [...tuned].sort((a, b) => (better(a.bestScore, b.bestScore) ? -1 : better(b.bestScore, a.bestScore) ? 1 : 0)).slice(0, 3);
    const predictions = averagePredictions(members.map((m) => m.predictions), members.map(() => 1 / members.length));
    const score = metric.fn(val.held.y, predictions);
    const params = Object.fromEntries(members.map((m) => [m.candidate, m.best]));
    validation.push({ name: 'ensemble', params, score, members: members.map((m) => m.candidate) });
    const model = new EnsembleModel(members.map((m) => ({ model: m.model, weight: 1 })));
    if (chosen && better(score, chosen.score)) chosen = { name: 'ensemble', score, model, predictions, params, members };
  }
  if (!chosen) {
    // No candidate besides the baseline survived: the baseline is the model (and a no-go).
    chosen = { name: baselineCandidate.name, score: validation[0]?.score ?? NaN, model: baselineFit, predictions: baselinePred, params: baselineCandidate.params };
  }
  progress(`chosen: ${chosen.name} (validation ${metric.name} ${chosen.score.toPrecision(5)})`);

  // 3. Decision threshold (binary, threshold metric): tuned on the chosen model's validation predictions only.
  const threshold = thresholdFor(spec.task, spec.metric, val.held.y, chosen.predictions);
  const cut = threshold?.threshold;
  if (threshold) {
    chosen.score = threshold.score;
    const row = validation.slice(1).find((v) => v.name === chosen.name);
    if (row) Object.assign(row, { score: threshold.score, threshold: threshold.threshold, scoreAtDefault: threshold.atDefault });
    progress(`decision threshold ${threshold.threshold.toPrecision(3)} (tuned on validation): ${metric.name} ${threshold.score.toPrecision(5)} vs ${threshold.atDefault.toPrecision(5)} at 0.5`);
  }

  // 4. Provisional decision, importance and error analysis on validation.
  const dm = metricAt(decisionMetric(spec), cut);
  const decision = decide(spec, dm.fn(val.held.y, chosen.predictions), metricByName(dm.name).fn(val.held.y, baselinePred), 'provisional');
  const importance = permutationImportance(chosen.model, val.held.x, val.held.y, metricAt(spec.metric, cut), { repeats: quick ? 2 : 5, seed, featureNames: val.pipeline.features });
  const segCols = [...columns, ...(spec.task === 'regression' ? [target] : [])].map((c) => takeColumnRows(c, val.held.rows));
  const errors = errorAnalysis({ metric: spec.metric, y: val.held.y, predictions: chosen.predictions, columns: segCols, seed, ...(cut !== undefined ? { threshold: cut } : {}) });

  // 5. Final refit on train + validation, pipeline included.
  progress(`final refit of ${chosen.name} on train + validation…`);
  const all = [...split.train, ...split.validation].sort((a, b) => a - b);
  const fin = design(data, all);
  const ctx = fitContext(data, seed, fin.pipeline.features);
  let finalModel: FittedModel;
  if (chosen.members) {
    const fitted: FittedModel[] = [];
    for (const m of chosen.members) fitted.push(await (candidates.find((c) => c.name === m.candidate) as Candidate).learner.fit(fin.train.x, fin.train.y, m.best, ctx));
    finalModel = new EnsembleModel(fitted.map((model) => ({ model, weight: 1 })));
  } else {
    const c = candidates.find((x) => x.name === chosen.name) as Candidate;
    finalModel = await c.learner.fit(fin.train.x, fin.train.y, chosen.params as Params, ctx);
  }
  const finalBaseline = await baselineCandidate.learner.fit(fin.train.x, fin.train.y, baselineCandidate.params, ctx);

  const cvRow = table.find((r) => r.name === chosen.name);
  const trainedModel = buildTrainedModel({
    loaded, data, specData, split, pipeline: fin.pipeline, model: finalModel, params: chosen.params as Params, seed,
    finalRows: fin.train.rows, validationRows: split.validation, cv: cvRow?.cv, validationScore: chosen.score, ...(cut !== undefined ? { threshold: cut } : {}),
  });
  const result: TrainingRunResult = {
    name: spec.name, spec, specFile: loaded.file, seed, runDir: opts.runDir, task: spec.task, metric: spec.metric,
    rows: { train: split.train.length, validation: split.validation.length, test: split.test.rowCount, extraTests: split.extraTests.map((t) => t.rowCount) },
    explore: exploreSummary(spec, split.table, 'train + validation rows (the locked test rows are not explored)'),
    table: rankRows(table, spec.metric), failures,
    tuning: tuned.map(({ model: _m, predictions: _p, ...rest }) => rest),
    validation,
    chosen: { name: chosen.name, kind: finalModel.kind, params: chosen.params, validation: chosen.score, ...(cvRow ? { cv: cvRow.cv } : {}) },
    ...(threshold ? { threshold } : {}),
    baseline: { name: baselineCandidate.name, validation: validation[0]?.score ?? NaN, model: finalBaseline },
    importance, errors, decision, trainedModel, split,
  };
  progress(`writing the run to ${opts.runDir}`);
  saveRun(result);
  return result;
}

function takeColumnRows(col: Column, rows: readonly number[]): Column {
  if (col.kind === 'numeric') return { kind: 'numeric', name: col.name, values: Float64Array.from(rows, (r) => col.values[r] as number) };
  return { kind: 'categorical', name: col.name, values: rows.map((r) => col.values[r] as string) };
}
