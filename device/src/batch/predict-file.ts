import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import {
  isOutpostError,
  verifyArtifact,
  type ArtifactBundle,
  type CsvTable,
  type FeatureValue,
  type Manifest,
} from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import { checkNumericInputs } from '../http/input-check.ts';
import type { InferenceEngine } from '../inference/engine.ts';
import { inputsAcceptingMissing } from '../inference/missing-inputs.ts';
import { modelFileFor } from '../inference/model-file.ts';

export interface PredictFileOptions {
  bundle: ArtifactBundle;
  publicKeyPem: string;
  engine: InferenceEngine;
  /** The input rows; columns are read by the manifest's input types (extra columns are ignored). */
  table: CsvTable;
  outPath: string;
  /** Rows per engine run (default 1000). */
  batchSize?: number;
  /** Called after each batch with the rows done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface PredictFileResult {
  manifest: Manifest;
  predicted: number;
  /** Rows refused by the input check, each written with its reason instead of a prediction. */
  refused: number;
  /** Inputs taken missing (imputed in the graph), by field. */
  imputed: Record<string, number>;
}

const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Rows as the model takes them, cell by cell: a float input's cell is a number when it reads as
 * one, null when empty, and otherwise the text (which the input check then refuses, for that row
 * only); a string input's cell is its text. Columns the model does not take are left out.
 */
function modelRows(table: CsvTable, manifest: Manifest): Record<string, FeatureValue>[] {
  const columns = manifest.inputs.map((input) => ({ input, c: table.header.indexOf(input.name) }));
  return table.rows.map((cells) => {
    const row: Record<string, FeatureValue> = {};
    for (const { input, c } of columns) {
      if (c < 0) continue; // absent: "missing" to the input check
      const raw = cells[c] as string;
      const v = raw.trim();
      row[input.name] = input.type === 'string' ? raw : v === '' ? null : NUMBER.test(v) ? Number(v) : raw;
    }
    return row;
  });
}

/**
 * Batch prediction over rows from a file (`outpost predict`, docs/DEVICE.md "Batch prediction"):
 * the artifact is verified against the pinned key before anything runs, then every row goes
 * through the same input check as `POST /predict` and the model in batches. The output CSV has
 * one line per input row — `line,prediction,error` — so a refused row is kept with its reason
 * (`INPUT_INVALID: Light is null`) rather than dropped. The file appears only when every row is written.
 */
export async function predictFile(o: PredictFileOptions): Promise<PredictFileResult> {
  const manifest = verifyArtifact(o.bundle, o.publicKeyPem);
  const file = modelFileFor(manifest, o.engine);
  const bytes = o.bundle.files.get(file.path);
  if (!bytes) throw deviceError(DeviceErrorCodes.MODEL_LOAD, `the artifact has no ${file.path}`);
  const onnx = manifest.files.find((f) => f.role === 'model');
  const acceptsMissing = inputsAcceptingMissing(manifest, onnx && o.bundle.files.get(onnx.path));
  const rows = modelRows(o.table, manifest);
  const session = await o.engine.load(bytes, manifest);
  // Written beside the target and renamed at the end: a failed run leaves no half-written output.
  const partial = `${o.outPath}.partial`;
  const out = createWriteStream(partial);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const batchSize = o.batchSize ?? 1000;
  const imputed: Record<string, number> = {};
  let predicted = 0;
  let refused = 0;
  try {
    await write('line,prediction,error\n');
    for (let start = 0; start < rows.length; start += batchSize) {
      const batch = rows.slice(start, start + batchSize);
      const errors: (string | undefined)[] = batch.map((row) => {
        try {
          const r = checkNumericInputs([row], manifest, acceptsMissing);
          for (const [field, n] of Object.entries(r.imputed)) imputed[field] = (imputed[field] ?? 0) + n;
          return undefined;
        } catch (err) {
          if (!isOutpostError(err, DeviceErrorCodes.INPUT_INVALID)) throw err;
          const fields = (err.details?.fields ?? []) as { field: string; reason: string }[];
          return `${err.code}: ${fields.map((f) => `${f.field} is ${f.reason}`).join('; ')}`;
        }
      });
      const runnable = batch.filter((_r, i) => errors[i] === undefined);
      const predictions = runnable.length > 0 ? (await session.run([...runnable])).predictions : [];
      let k = 0;
      let text = '';
      batch.forEach((_row, i) => {
        const line = String(o.table.lines[start + i] ?? start + i + 2);
        const error = errors[i];
        if (error === undefined) text += `${line},${predictions[k++]},\n`;
        else text += `${line},,${csvField(error)}\n`;
      });
      predicted += runnable.length;
      refused += batch.length - runnable.length;
      await write(text);
      o.onProgress?.(start + batch.length, rows.length);
    }
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  } finally {
    await session.release();
  }
  out.end();
  await once(out, 'close');
  await rename(partial, o.outPath);
  return { manifest, predicted, refused, imputed };
}
