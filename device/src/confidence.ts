import type { FeatureValue, Manifest } from '@outpost/protocol';
import type { OutputData } from './inference/engine.ts';
import { perManifest } from './per-manifest.ts';

/** Default review threshold for classifiers: a top-probability margin under this is flagged. */
export const DEFAULT_REVIEW_MARGIN = 0.2;

export interface Confidence {
  /** Per row: the margin (classification) or the in-range share (regression); null when unknown. */
  confidence: (number | null)[];
  /** Per row: under the threshold, so a person should look at it. */
  review: boolean[];
}

/**
 * How sure the model is of each row (docs/DEVICE.md "Prediction log, labels and review"):
 * - classification: the margin between the two highest class probabilities (0 = a coin toss,
 *   1 = certain); flagged under `reviewMargin`;
 * - regression: the share of numeric inputs inside the range training saw (manifest `range`; a
 *   missing value counts as outside): 1 when the row looks like training data; flagged under 1,
 *   since a model extrapolating is the regression case a person should check.
 */
export function confidenceOf(
  manifest: Manifest,
  rows: readonly Record<string, FeatureValue>[],
  outputs: Record<string, OutputData>,
  reviewMargin = DEFAULT_REVIEW_MARGIN,
): Confidence {
  const n = rows.length;
  if (manifest.task === 'regression') {
    const ranged = rangedInputs(manifest);
    const confidence = rows.map((row) => {
      if (ranged.length === 0) return null;
      let inside = 0;
      for (const i of ranged) {
        const v = row[i.name];
        const [lo, hi] = i.range;
        if (typeof v === 'number' && v >= lo && v <= hi) inside++;
      }
      return inside / ranged.length;
    });
    return { confidence, review: confidence.map((c) => c !== null && c < 1) };
  }
  const probs = manifest.outputs.find((o) => o.name !== manifest.predictionOutput && outputs[o.name] !== undefined);
  const data = probs ? outputs[probs.name] : undefined;
  if (!data || data.length % n !== 0 || data.length / n < 2 || Array.isArray(data))
    return { confidence: rows.map(() => null), review: rows.map(() => false) };
  const k = data.length / n;
  const confidence: (number | null)[] = [];
  for (let r = 0; r < n; r++) {
    let first = -Infinity;
    let second = -Infinity;
    for (let c = 0; c < k; c++) {
      const p = Number(data[r * k + c]);
      if (p > first) {
        second = first;
        first = p;
      } else if (p > second) second = p;
    }
    confidence.push(Number.isFinite(first - second) ? first - second : null);
  }
  return { confidence, review: confidence.map((c) => c !== null && c < reviewMargin) };
}

type RangedInput = Manifest['inputs'][number] & { range: [number, number] };
/** A regression manifest's numeric inputs with a training range. */
const rangedInputs = perManifest((manifest): readonly RangedInput[] =>
  manifest.inputs.filter((i): i is RangedInput => i.type === 'float' && i.range !== undefined),
);
