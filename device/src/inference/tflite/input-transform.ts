import type { FeatureValue } from '@outpost/protocol';

/**
 * The input transform of a TFLite artifact. The .tflite graph takes the design vector; this is the
 * trainer's preprocessing pipeline as data, applied on the device exactly as the ONNX graph does:
 * numeric columns in order — missing (anything not a number, or NaN) → the training median, then
 * (x − mean) / std — followed by each string column's one-hot over its sorted categories, where
 * missing ('') or unseen values give all zeros. Numbers given for a string input are compared as
 * their String() form, as the ONNX engine feeds them.
 *
 * It travels inside the .tflite file as Model.metadata entry `TFLITE_TRANSFORM_METADATA` (UTF-8
 * JSON), so the signed model file alone says how to feed it.
 */
export const TFLITE_TRANSFORM_METADATA = 'outpost.input_transform';
export const TFLITE_TRANSFORM_KIND = 'outpost.tflite-input/1';

export interface TfliteInputTransform {
  kind: typeof TFLITE_TRANSFORM_KIND;
  numeric: { name: string; median: number; mean: number; std: number }[];
  oneHot: { name: string; categories: string[] }[];
  /** Length of the design vector = numeric.length + Σ categories. */
  width: number;
}

export function isTfliteInputTransform(v: unknown): v is TfliteInputTransform {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<TfliteInputTransform>;
  if (t.kind !== TFLITE_TRANSFORM_KIND || !Array.isArray(t.numeric) || !Array.isArray(t.oneHot) || typeof t.width !== 'number') return false;
  const numericOk = t.numeric.every((s) => typeof s.name === 'string' && [s.median, s.mean, s.std].every((x) => typeof x === 'number' && Number.isFinite(x)) && s.std !== 0);
  const oneHotOk = t.oneHot.every((s) => typeof s.name === 'string' && Array.isArray(s.categories) && s.categories.every((c) => typeof c === 'string'));
  return numericOk && oneHotOk && t.width === t.numeric.length + t.oneHot.reduce((a, s) => a + s.categories.length, 0);
}

/** Input feature names, in design-vector order. */
export function transformInputs(t: TfliteInputTransform): string[] {
  return [...t.numeric.map((s) => s.name), ...t.oneHot.map((s) => s.name)];
}

/** Writes one row's design vector into `out` (length `t.width`); float32 rounding as the graph input. */
export function applyTransform(t: TfliteInputTransform, row: Readonly<Record<string, FeatureValue | undefined>>, out: Float32Array): void {
  let k = 0;
  for (const s of t.numeric) {
    const v = row[s.name];
    // float32 arithmetic step by step, as the ONNX graph's Sub and Div (one rounding each).
    const x = typeof v === 'number' && !Number.isNaN(v) ? Math.fround(v) : Math.fround(s.median);
    out[k++] = Math.fround(Math.fround(x - Math.fround(s.mean)) / Math.fround(s.std));
  }
  for (const s of t.oneHot) {
    const v = row[s.name];
    const str = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
    for (const c of s.categories) out[k++] = str !== '' && c === str ? 1 : 0;
  }
}
