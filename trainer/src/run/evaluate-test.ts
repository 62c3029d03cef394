/**
 * The `RunEvaluator` behind `outpost test <run>`: revive the run's model and baseline, transform the
 * locked rows with the saved pipeline, score the spec's metric with a bootstrap 95% CI, analyse
 * where it fails, and take the FINAL go/no-go against the spec. Results go to `test-<set>.json`
 * (with every usual metric of the task) and the predictions to `predictions.csv`
 * (test-outputs.ts); the report and model card are re-written with a test section. Only `openTestSet` calls this.
 */
import { resolve } from 'node:path';
import type { InputSpec } from '@outpost/protocol';
import type { Column } from '../data/dataset.ts';
import { column, encodeTarget, type Table } from '../data/load.ts';
import { ledgerPathForSpec, TestLedger } from '../data/ledger.ts';
import type { TestEvaluation } from '../data/locked-test.ts';
import { bootstrapCi } from '../eval/bootstrap.ts';
import { transform } from '../preprocess/spec-pipeline.ts';
import { decide, decisionMetric } from './decision.ts';
import { errorAnalysis } from './error-analysis.ts';
import { predictionsFile, testMetrics, writePredictions } from './test-outputs.ts';
import { metricAt } from './threshold.ts';
import { runOnnx } from './run-artifact.ts';
import { rawRecordOf } from './trained-model-build.ts';
import { runInOrtWeb } from '../artifact/ort-runner.ts';
import { loadRunModel, readTestRecords, writeReports, writeTestRecord, type TestRecord } from './run-dir.ts';

export async function evaluateRun(runDir: string, rows: Table, setName: string): Promise<TestEvaluation> {
  const dir = resolve(runDir);
  const run = loadRunModel(dir);
  const { spec } = run.record;
  const all = Array.from({ length: rows.rowCount }, (_, i) => i);
  const x = transform(run.pipeline, rows.columns, all);
  const y = encodeTarget(rows, spec, run.classes).values;
  const onnx = runOnnx(dir);
  // The bytes that ship, run as a device runs them; a run written before runs kept its model.onnx
  // falls back to the in-process model.
  const predictions = onnx ? await onnxPredictions(onnx, run, rows, all) : run.model.predict(x);
  const basePred = run.baseline.predict(x);
  // The model's labels use the threshold tuned on validation; so does the baseline's (its own, from
  // the validation table's first row), as the provisional decision judged it.
  const baseCut = run.record.validation[0]?.threshold;
  const metric = metricAt(spec.metric, run.threshold);
  const ci = bootstrapCi(y, predictions, metric, { seed: run.record.seed, resamples: 1000, level: 0.95 });
  const dm = metricAt(decisionMetric(spec), run.threshold);
  const decision = decide(
    spec,
    dm.fn(y, predictions),
    metricAt(decisionMetric(spec), baseCut).fn(y, basePred),
    'final',
  );
  const inputs = new Set(run.pipeline.inputs.map((i) => i.name));
  const segCols: Column[] = rows.columns.filter((c) => inputs.has(c.name));
  if (spec.task === 'regression') segCols.push(column(rows, spec.target.column));
  const errors = errorAnalysis({
    metric: spec.metric,
    y,
    predictions,
    columns: segCols,
    seed: run.record.seed,
    ...(run.threshold !== undefined ? { threshold: run.threshold } : {}),
  });
  // This look's number in the ledger (it is appended once the evaluation returns): a repeat is said in the reports.
  const hash = run.record.testSets.find((t) => t.name === setName)?.sha256;
  const evaluation =
    new TestLedger(ledgerPathForSpec(run.record.specFile)).entries().filter((e) => e.testSetHash === hash).length + 1;
  const record: TestRecord = {
    set: setName,
    evaluation,
    at: new Date().toISOString(),
    metric: spec.metric,
    value: ci.value,
    ci: [ci.low, ci.high],
    rows: rows.rowCount,
    baseline: metricAt(spec.metric, baseCut).fn(y, basePred),
    ...(baseCut !== undefined ? { baselineThreshold: baseCut } : {}),
    ...(run.threshold !== undefined ? { threshold: run.threshold } : {}),
    decision,
    errors,
  };
  record.metrics = testMetrics(spec.task, y, predictions, run.threshold);
  writePredictions(
    dir,
    setName,
    { lines: rows.lines, y, predictions, ...(run.classes ? { classes: run.classes } : {}) },
    run.threshold,
  );
  record.predictions = predictionsFile(setName);
  writeTestRecord(dir, record);
  writeReports(
    dir,
    run.record,
    readTestRecords(
      dir,
      run.record.testSets.map((t) => t.name),
    ),
  );
  return { metric: spec.metric, value: ci.value, ci: [ci.low, ci.high] };
}

/** The shipped model.onnx's predictions in the layout `predict` gives: P(class 1) for binary, n × k for multiclass. */
async function onnxPredictions(
  bytes: Uint8Array,
  run: ReturnType<typeof loadRunModel>,
  rows: Table,
  all: readonly number[],
): Promise<Float64Array> {
  const byName = new Map(rows.columns.map((c) => [c.name, c]));
  const records = all.map((r) => rawRecordOf(run.pipeline, byName, r));
  const inputs = run.pipeline.inputs.map((i): InputSpec => ({
    name: i.name,
    type: i.kind === 'numeric' ? 'float' : 'string',
  }));
  const out = await runInOrtWeb(bytes, inputs, records);
  if (run.task === 'regression') return Float64Array.from(out.prediction ?? []);
  const p = out.probabilities ?? [];
  return run.task === 'binary' ? Float64Array.from(p.filter((_, i) => i % 2 === 1)) : Float64Array.from(p);
}

/** The final decision of a run (from its `test` set), or undefined before `outpost test`. */
export function finalDecision(runDir: string): TestRecord | undefined {
  return readTestRecords(runDir, ['test'])[0];
}
