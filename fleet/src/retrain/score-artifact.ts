/**
 * Scores a signed artifact on labelled rows the way it will run on a device: its model.onnx bytes
 * in an onnxruntime-web session (the trainer's `runInOrtWeb`), one raw input tensor per manifest
 * input, and the spec's metric on the prediction output (binary: the `label` output, whose decision
 * threshold is built into the graph; `auc` and `log_loss` take P(class 1)).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { MANIFEST_FILE, Manifest, MAX_MANIFEST_BYTES, decode } from '@outpost/protocol';
import { lowerIsBetter, metricByName, runInOrtWeb, type RawRecord } from '@outpost/trainer';
import { RetrainErrorCodes, retrainError } from './errors.ts';
import type { RetrainScore } from './retrain-run.ts';

/** The labelled rows to score on: text cells, and the target encoded (regression: the value; binary: 0/1). */
export interface LabelledRows {
  cells: readonly Record<string, string>[];
  y: Float64Array;
}

export interface TargetEncoding {
  task: 'regression' | 'binary' | 'multiclass';
  column: string;
  /** Binary: [negative, positive] labels as text. */
  classes?: readonly string[];
}

/** The loss a margin compares: the metric itself when lower is better, else 1 − metric. */
export function lossOf(metric: string, value: number): number {
  return lowerIsBetter(metric as Parameters<typeof lowerIsBetter>[0]) ? value : 1 - value;
}

/** Encodes the target of `cells`; a binary label outside `classes` is an error naming it. */
export function encodeRows(cells: readonly Record<string, string>[], t: TargetEncoding): LabelledRows {
  const y = new Float64Array(cells.length);
  cells.forEach((c, i) => {
    const text = (c[t.column] ?? '').trim();
    if (t.task === 'regression') y[i] = Number(text);
    else {
      const k = (t.classes ?? []).indexOf(text);
      y[i] = k;
      if (k < 0)
        throw retrainError(
          RetrainErrorCodes.RETRAIN_FRESH_INVALID,
          `label "${text}" is not one of ${t.classes?.join(', ')}`,
          {
            column: t.column,
            label: text,
          },
        );
    }
    if (text === '' || !Number.isFinite(y[i]))
      throw retrainError(RetrainErrorCodes.RETRAIN_FRESH_INVALID, `a fresh row has no usable ${t.column}`, {
        column: t.column,
        row: i,
      });
  });
  return { cells, y };
}

/** A raw device record of one row: numbers for float inputs (missing: null), text for string inputs. */
function recordOf(manifest: Manifest, cells: Record<string, string>): RawRecord {
  const r: RawRecord = {};
  for (const input of manifest.inputs) {
    const text = (cells[input.name] ?? '').trim();
    r[input.name] = text === '' ? null : input.type === 'float' ? Number(text) : text;
  }
  return r;
}

/** The artifact's score on `rows` under `metric`. */
export async function scoreArtifact(artifactDir: string, metric: string, rows: LabelledRows): Promise<RetrainScore> {
  const manifest = decode(Manifest, readFileSync(join(artifactDir, MANIFEST_FILE)), MANIFEST_FILE, MAX_MANIFEST_BYTES);
  const modelFile = manifest.files.find((f) => f.role === 'model' && f.path.endsWith('.onnx'));
  if (!modelFile)
    throw retrainError(RetrainErrorCodes.RETRAIN_SPEC_MISMATCH, `${artifactDir}: no model.onnx`, { artifactDir });
  const bytes = readFileSync(join(artifactDir, modelFile.path));
  const outputs = await runInOrtWeb(
    bytes,
    manifest.inputs,
    rows.cells.map((c) => recordOf(manifest, c)),
  );
  const m = metricByName(metric);
  const probabilityMetric = metric === 'auc' || metric === 'log_loss';
  let predictions: number[];
  if (manifest.task === 'binary' && probabilityMetric) {
    const p = outputs['probabilities'] ?? [];
    predictions = rows.cells.map((_, i) => p[i * 2 + 1] as number);
  } else predictions = outputs[manifest.predictionOutput] ?? [];
  const value = m.fn(rows.y, Float64Array.from(predictions));
  return { value, loss: lossOf(metric, value) };
}
