/**
 * What `outpost test` leaves beside the ledger entry: every usual metric of the task on the locked
 * rows (regression: RMSE, MAE, R²; classification: accuracy, F1, precision, recall, and AUC from
 * the scores — binary at the run's decision threshold, multiclass macro-averaged) and the
 * predictions themselves, one line per row: `predictions.csv` for the `test` set,
 * `predictions-<set>.csv` for the others, with columns `row` (the row's line in the run's locked
 * `test-set.csv`, or the set's own file),
 * `prediction`, `label` and, for a binary task, `score` (P(positive class)).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracy, f1, mae, precision, predictedLabels, r2, recall, rmse, rocAuc } from '../eval/metrics.ts';

export type TestMetrics = Record<string, number>;

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function testMetrics(
  task: 'regression' | 'binary' | 'multiclass',
  y: Float64Array,
  predictions: Float64Array,
  threshold = 0.5,
): TestMetrics {
  if (task === 'regression') return { rmse: rmse(y, predictions), mae: mae(y, predictions), r2: r2(y, predictions) };
  return {
    accuracy: accuracy(y, predictions, threshold),
    f1: f1(y, predictions, threshold),
    precision: precision(y, predictions, threshold),
    recall: recall(y, predictions, threshold),
    auc: rocAuc(y, predictions),
  };
}

export function predictionsFile(set: string): string {
  return set === 'test' ? 'predictions.csv' : `predictions-${set}.csv`;
}

/** Writes the set's predictions file into `dir`; returns its path. */
export function writePredictions(
  dir: string,
  set: string,
  rows: { lines: readonly number[]; y: Float64Array; predictions: Float64Array; classes?: readonly string[] },
  threshold = 0.5,
): string {
  const { lines, y, predictions, classes } = rows;
  const n = y.length;
  const binary = classes?.length === 2;
  const header = ['row', 'prediction', 'label', ...(binary ? ['score'] : [])];
  const out = [header.join(',')];
  const labels = classes ? predictedLabels(n, predictions, threshold) : undefined;
  for (let i = 0; i < n; i++) {
    const fields = classes
      ? [
          String(lines[i]),
          csvField(classes[labels?.[i] as number] as string),
          csvField(classes[y[i] as number] as string),
        ]
      : [String(lines[i]), String(predictions[i]), String(y[i])];
    if (binary) fields.push(String(predictions[i]));
    out.push(fields.join(','));
  }
  const path = join(dir, predictionsFile(set));
  writeFileSync(path, `${out.join('\n')}\n`);
  return path;
}
