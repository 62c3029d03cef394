/**
 * Labels from a CSV file (docs/MONITORING.md "Labels"): a header with `prediction_id` and `label`,
 * optionally `device`, `labelled_at`, and — when exported from a device's prediction log —
 * `model`, `version`, `prediction`, `predicted_at`, which join the label at once. Without them a
 * label waits until the prediction's device forwards it. All rows or none: a bad row rejects the file.
 */
import { parseCsv } from '@outpost/protocol';
import { MonitorErrorCodes, monitorError } from './errors.ts';
import type { LabelInput, MonitorStore } from './monitor-store.ts';

export interface LabelImportResult {
  imported: number;
  /** Rows whose prediction is known (now joined). */
  joined: number;
  /** Rows waiting for their prediction. */
  pending: number;
}

const numberOrText = (v: string): number | string => {
  const t = v.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
};

/** Reads the CSV into label inputs; throws LABELS_CSV_INVALID naming the line. */
export function parseLabelCsv(text: string, now: string): LabelInput[] {
  let table;
  try {
    table = parseCsv(text, 'labels');
  } catch (err) {
    throw monitorError(MonitorErrorCodes.LABELS_CSV_INVALID, `labels CSV: ${(err as Error).message}`, {
      line: (err as { details?: { line?: number } }).details?.line,
    });
  }
  const col = (name: string): number => table.header.findIndex((h) => h.toLowerCase() === name);
  const id = col('prediction_id');
  const label = col('label');
  if (id < 0 || label < 0)
    throw monitorError(MonitorErrorCodes.LABELS_CSV_INVALID, 'labels CSV needs prediction_id and label columns', {
      line: 1,
      header: table.header,
    });
  const [device, labelledAt, model, version, prediction, predictedAt] = [
    'device',
    'labelled_at',
    'model',
    'version',
    'prediction',
    'predicted_at',
  ].map(col) as [number, number, number, number, number, number];
  return table.rows.map((row, i) => {
    const line = table.lines[i] ?? i + 2;
    const bad = (why: string): never => {
      throw monitorError(MonitorErrorCodes.LABELS_CSV_INVALID, `labels CSV line ${line}: ${why}`, { line });
    };
    const cell = (c: number): string => (c >= 0 ? (row[c] ?? '').trim() : '');
    const predictionId = cell(id);
    if (predictionId === '' || predictionId.length > 128) bad('prediction_id must be 1–128 characters');
    const value = cell(label);
    if (value === '') bad('label is empty');
    const at = cell(labelledAt) !== '' ? new Date(Date.parse(cell(labelledAt))) : new Date(Date.parse(now));
    if (Number.isNaN(at.getTime())) bad('labelled_at is not a time');
    const input: LabelInput = {
      predictionId,
      source: 'import',
      label: numberOrText(value),
      labelledAt: at.toISOString(),
      ...(cell(device) !== '' ? { device: cell(device) } : {}),
    };
    if (cell(model) !== '' && cell(prediction) !== '' && cell(predictedAt) !== '') {
      const v = Number(cell(version));
      const p = Number(cell(prediction));
      const t = Date.parse(cell(predictedAt));
      if (!Number.isInteger(v) || v < 1 || !Number.isFinite(p) || Number.isNaN(t))
        bad('version, prediction and predicted_at must be an integer ≥ 1, a number and a time');
      input.prediction = { model: cell(model), version: v, value: p, at: new Date(t).toISOString() };
    }
    return input;
  });
}

/** Imports every row (one transaction per row is fine: files are small); the file is checked first. */
export function importLabelCsv(store: MonitorStore, text: string, now: string): LabelImportResult {
  const inputs = parseLabelCsv(text, now);
  let joined = 0;
  for (const input of inputs) if (store.putLabel(input).prediction) joined++;
  return { imported: inputs.length, joined, pending: inputs.length - joined };
}
