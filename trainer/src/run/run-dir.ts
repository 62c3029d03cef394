/**
 * A run on disk: `<runDir>/run.json` (the story: spec, seed, candidates table, tuning, chosen model,
 * provisional decision), `model.json` and `baseline.json` (saved models, see revive.ts),
 * `pipeline.json`, the locked test set files (data/locked-test.ts), `report.html` and
 * `model-card.md`. `loadRunModel` brings a run's model back for `outpost test`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeLockedTestSets } from '../data/locked-test.ts';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { FittedModel, Task } from '../models/learner.ts';
import type { SpecPipeline } from '../preprocess/spec-pipeline.ts';
import type { Decision } from './decision.ts';
import type { ErrorAnalysis } from './error-analysis.ts';
import { renderModelCard } from './report/model-card.ts';
import { renderReport } from './report/html.ts';
import { reviveSaved, savedModelFile, typedArraysAsArrays, type RunModelFile } from './revive.ts';
import type { TrainingRunResult } from './run-training.ts';

export const RUN_FORMAT = 'outpost-run/1';

/** The fields of a run result that run.json keeps as they are. */
type KeptFields =
  | 'name'
  | 'specFile'
  | 'spec'
  | 'seed'
  | 'task'
  | 'metric'
  | 'rows'
  | 'explore'
  | 'table'
  | 'featureSets'
  | 'failures'
  | 'tuning'
  | 'validation'
  | 'chosen'
  | 'threshold'
  | 'importance'
  | 'errors'
  | 'decision';

/** run.json: the run result without live objects (models, split), plus what `outpost test` needs. */
export interface RunRecord extends Pick<TrainingRunResult, KeptFields> {
  format: typeof RUN_FORMAT;
  createdAt: string;
  classes?: string[];
  baseline: Omit<TrainingRunResult['baseline'], 'model'>;
  features: string[];
  metrics: TrainingRunResult['trainedModel']['metrics'];
  testSets: { name: string; sha256: string; rows: number }[];
}

/** What `outpost test` writes per evaluated set: `test-<set>.json`. */
export interface TestRecord {
  set: string;
  at: string;
  metric: string;
  value: number;
  ci: [number, number];
  rows: number;
  baseline: number;
  /** The baseline's own tuned decision threshold, its score taken at it (binary, threshold metric). */
  baselineThreshold?: number;
  /** The decision threshold the model's labels were scored with (binary, threshold metric). */
  threshold?: number;
  decision: Decision;
  errors: ErrorAnalysis;
  /** The ledger's count for this test set, 1 for the first look. */
  evaluation?: number;
  /** Every usual metric of the task on these rows (test-outputs.ts). */
  metrics?: Record<string, number>;
  /** The predictions file written beside it (`predictions.csv` for the test set). */
  predictions?: string;
}

export const RUN_FILES = {
  run: 'run.json',
  model: 'model.json',
  baseline: 'baseline.json',
  pipeline: 'pipeline.json',
  report: 'report.html',
  card: 'model-card.md',
} as const;

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * A saved model as one line of JSON, typed arrays written as arrays in the same pass: a forest's
 * node arrays indented one number per line, after a parse-and-copy pass, took ~145 MB per model
 * (and as much again in memory) in a stacking run.
 */
function writeCompactJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, typedArraysAsArrays)}\n`);
}

export function runRecordOf(r: TrainingRunResult, createdAt = new Date().toISOString()): RunRecord {
  const rec: RunRecord = {
    format: RUN_FORMAT,
    name: r.name,
    specFile: r.specFile,
    spec: r.spec,
    seed: r.seed,
    createdAt,
    task: r.task,
    metric: r.metric,
    rows: r.rows,
    explore: r.explore,
    table: r.table,
    featureSets: r.featureSets,
    failures: r.failures,
    tuning: r.tuning,
    validation: r.validation,
    chosen: r.chosen,
    baseline: { name: r.baseline.name, validation: r.baseline.validation },
    features: [...r.trainedModel.pipeline.features],
    importance: r.importance.slice(0, 30),
    errors: r.errors,
    decision: r.decision,
    metrics: r.trainedModel.metrics,
    testSets: [r.split.test, ...r.split.extraTests].map((t) => ({ name: t.name, sha256: t.sha256, rows: t.rowCount })),
  };
  if (r.trainedModel.classes) rec.classes = r.trainedModel.classes;
  if (r.threshold) rec.threshold = r.threshold;
  return rec;
}

/** Writes everything of a run; the locked test rows go aside with their hashes. */
export function saveRun(r: TrainingRunResult): RunRecord {
  const dir = resolve(r.runDir);
  mkdirSync(dir, { recursive: true });
  writeLockedTestSets(dir, [r.split.test, ...r.split.extraTests]);
  const rec = runRecordOf(r);
  writeJson(join(dir, RUN_FILES.pipeline), r.trainedModel.pipeline);
  writeCompactJson(join(dir, RUN_FILES.model), savedModelFile(r.trainedModel.model, r.task));
  writeCompactJson(join(dir, RUN_FILES.baseline), savedModelFile(r.baseline.model, r.task));
  writeJson(join(dir, RUN_FILES.run), rec);
  writeReports(dir, rec, []);
  return rec;
}

/** (Re)writes report.html and model-card.md, with the test results when there are any. */
export function writeReports(dir: string, rec: RunRecord, tests: readonly TestRecord[]): void {
  writeFileSync(join(dir, RUN_FILES.report), renderReport(rec, tests));
  writeFileSync(join(dir, RUN_FILES.card), renderModelCard(rec, tests));
}

function readJson<T>(dir: string, file: string): T {
  const path = join(resolve(dir), file);
  if (!existsSync(path))
    throw trainerError(
      TrainerErrorCodes.RUN_INVALID,
      `${path}: missing — is ${dir} a run folder written by outpost train?`,
      { file: path },
    );
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (cause) {
    throw trainerError(TrainerErrorCodes.RUN_INVALID, `${path}: not valid JSON`, { file: path }, cause);
  }
}

export function loadRunRecord(runDir: string): RunRecord {
  const rec = readJson<RunRecord>(runDir, RUN_FILES.run);
  if (rec.format !== RUN_FORMAT)
    throw trainerError(
      TrainerErrorCodes.RUN_INVALID,
      `${join(runDir, RUN_FILES.run)}: unknown format ${String(rec.format)}`,
      { file: join(runDir, RUN_FILES.run) },
    );
  return rec;
}

export interface LoadedRunModel {
  pipeline: SpecPipeline;
  model: FittedModel;
  baseline: FittedModel;
  task: Task;
  classes?: string[];
  /** The run's tuned decision threshold (binary, threshold metric). */
  threshold?: number;
  record: RunRecord;
}

export function loadRunModel(runDir: string): LoadedRunModel {
  const record = loadRunRecord(runDir);
  const pipeline = readJson<SpecPipeline>(runDir, RUN_FILES.pipeline);
  const model = reviveSaved(readJson<RunModelFile>(runDir, RUN_FILES.model));
  const baseline = reviveSaved(readJson<RunModelFile>(runDir, RUN_FILES.baseline));
  const out: LoadedRunModel = { pipeline, model, baseline, task: record.task, record };
  if (record.classes) out.classes = record.classes;
  if (record.threshold) out.threshold = record.threshold.threshold;
  return out;
}

export function readTestRecords(runDir: string, sets: readonly string[]): TestRecord[] {
  return sets
    .filter((s) => existsSync(join(resolve(runDir), `test-${s}.json`)))
    .map((s) => readJson<TestRecord>(runDir, `test-${s}.json`));
}

export function writeTestRecord(runDir: string, t: TestRecord): void {
  writeJson(join(resolve(runDir), `test-${t.set}.json`), t);
}
