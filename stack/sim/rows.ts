/**
 * What simulated devices measure (docs/OPERATIONS.md "Simulated fleet"): rows drawn from the
 * active manifest's reference profile — per numeric feature a bin picked by its reference
 * frequency, a value uniform within it; per categorical one a category by its frequency — and a
 * stand-in model's rule over them (standIn; regression-stand-in.ts for regression models), so
 * windows carry real feature bins and labels agree with predictions unless a scenario says otherwise.
 */
import type { FeatureValue, Manifest, ReferenceProfile, Rng } from '@outpost/protocol';
import { regressionStandIn } from './regression-stand-in.ts';

/** The reference profile of the sim's stand-in artifact (occupancy-like inputs). */
export const SIM_REFERENCE: ReferenceProfile = {
  rows: 10_000,
  features: {
    Temperature: { kind: 'numeric', edges: [19, 20, 21, 22, 23], freqs: [0.1, 0.2, 0.25, 0.2, 0.15, 0.1], missing: 0 },
    Humidity: { kind: 'numeric', edges: [20, 25, 30, 35], freqs: [0.15, 0.3, 0.3, 0.15, 0.1], missing: 0 },
    Light: { kind: 'numeric', edges: [100, 200, 300, 400, 500], freqs: [0.4, 0.1, 0.1, 0.15, 0.15, 0.1], missing: 0 },
    CO2: {
      kind: 'numeric',
      edges: [450, 550, 700, 900, 1200],
      freqs: [0.3, 0.2, 0.15, 0.15, 0.12, 0.08],
      missing: 0,
    },
  },
  prediction: { kind: 'numeric', edges: [0.5], freqs: [0.6, 0.4], missing: 0 },
};

/** The stand-in model's probability when it says "occupied" (1 − this otherwise). */
export const SIM_OCCUPIED_P = 0.9;
/** Share of labels that disagree with the rule anyway, unless the manifest tells its accuracy. */
export const SIM_LABEL_NOISE = 0.03;

/** Labels disagree with the rule as often as the model's own test accuracy says (cv, then test, validation). */
export function labelNoise(manifest: Manifest): number {
  for (const source of ['cv', 'test', 'validation']) {
    const m = manifest.metrics[source];
    if (m?.metric === 'accuracy' && m.value > 0 && m.value <= 1) return 1 - m.value;
  }
  return SIM_LABEL_NOISE;
}

export type RowSampler = (rng: Rng) => Record<string, FeatureValue>;

export interface FeatureModel {
  name: string;
  /** Bin i spans [lows[i], highs[i]); the open ends get the width of their neighbour. */
  lows: number[];
  highs: number[];
  /** Reference frequencies, normalised. */
  probs: number[];
}

export function featureModels(manifest: Manifest): FeatureModel[] {
  return manifest.inputs.flatMap((input) => {
    const ref = manifest.reference.features[input.name];
    if (ref?.kind !== 'numeric') return [];
    const { edges, freqs } = ref;
    const first = edges[0] ?? 0;
    const last = edges.at(-1) ?? 0;
    const width = edges.length > 1 ? (edges[1] as number) - first : 1;
    const lastWidth = edges.length > 1 ? last - (edges.at(-2) as number) : 1;
    const total = freqs.reduce((a, b) => a + b, 0) || 1;
    return [
      {
        name: input.name,
        lows: [first - width, ...edges],
        highs: [...edges, last + lastWidth],
        probs: freqs.map((f) => f / total),
      },
    ];
  });
}

/** A bin index drawn by the (normalised) probabilities. */
function pickBin(probs: readonly number[], rng: Rng): number {
  let u = rng();
  let i = 0;
  while (i < probs.length - 1 && u >= (probs[i] as number)) u -= probs[i++] as number;
  return i;
}

/**
 * A sampler of rows for a manifest's inputs, from its reference profile: numeric ones a bin by its
 * frequency and a value uniform within it, categorical ones (e.g. housing's `ocean_proximity`) a
 * category by its frequency.
 */
export function rowSampler(manifest: Manifest): RowSampler {
  const features = featureModels(manifest);
  const categorical = manifest.inputs.flatMap((input) => {
    const ref = manifest.reference.features[input.name];
    if (ref?.kind !== 'categorical' || ref.categories.length === 0) return [];
    const total = ref.freqs.reduce((a, b) => a + b, 0) || 1;
    return [{ name: input.name, categories: ref.categories, probs: ref.freqs.map((f) => f / total) }];
  });
  return (rng) => {
    const row: Record<string, FeatureValue> = {};
    for (const f of features) {
      const i = pickBin(f.probs, rng);
      const lo = f.lows[i] as number;
      row[f.name] = lo + rng() * ((f.highs[i] as number) - lo);
    }
    for (const c of categorical) row[c.name] = c.categories[pickBin(c.probs, rng)] as string;
    return row;
  };
}

/**
 * The stand-in model: "positive when `feature` ≥ `threshold`", and what it outputs for each class.
 * For a regression model (regression-stand-in.ts): `threshold` is NaN, `positive` / `negative` the
 * highest / lowest prediction and `noise` the labels' standard deviation around the prediction.
 */
export interface StandIn {
  feature: string;
  threshold: number;
  positive: number;
  negative: number;
  /** Share of labels that disagree with the rule anyway. */
  noise: number;
  predict(row: Record<string, FeatureValue>): number;
  /** The true label of a row: the rule's class, wrong with probability `noise`, the other class when `flipped`. */
  label(row: Record<string, FeatureValue>, rng: Rng, flipped: boolean): number;
}

/**
 * The stand-in for a manifest: its rule reads Light (else the first numeric input), with the
 * threshold above which the reference's share of positive predictions lies, so predictions stay in
 * distribution; it outputs class indices (0 / 1) when the prediction output is an integer, else
 * probabilities (SIM_OCCUPIED_P). Labels disagree with it as often as the model's test accuracy says.
 */
export function standIn(manifest: Manifest): StandIn {
  if (manifest.task === 'regression') return regressionStandIn(manifest);
  const features = featureModels(manifest);
  const f = features.find((x) => x.name === 'Light') ?? features[0];
  const pred = manifest.reference.prediction;
  const edges = pred.kind === 'numeric' ? pred.edges : [];
  const positiveShare =
    pred.kind === 'numeric'
      ? pred.freqs.reduce((a, q, i) => a + (i > 0 && (edges[i - 1] as number) >= 0.5 ? q : 0), 0)
      : 0.5;
  let threshold = Number.POSITIVE_INFINITY;
  if (f) {
    // Walk down from the top bin until the mass above reaches the positive share.
    let above = 0;
    for (let i = f.probs.length - 1; i >= 0; i--) {
      const q = f.probs[i] as number;
      if (above + q >= positiveShare) {
        const lo = f.lows[i] as number;
        const hi = f.highs[i] as number;
        threshold = hi - (q > 0 ? ((positiveShare - above) / q) * (hi - lo) : 0);
        break;
      }
      above += q;
    }
  }
  const output = manifest.outputs.find((o) => o.name === manifest.predictionOutput);
  const classes = output?.type.startsWith('int') ?? false;
  const positive = classes ? 1 : SIM_OCCUPIED_P;
  const negative = classes ? 0 : 1 - SIM_OCCUPIED_P;
  const noise = labelNoise(manifest);
  const predict = (row: Record<string, FeatureValue>): number => {
    const v = f ? row[f.name] : undefined;
    return typeof v === 'number' && v >= threshold ? positive : negative;
  };
  return {
    feature: f?.name ?? '',
    threshold,
    positive,
    negative,
    noise,
    predict,
    label(row, rng, flipped) {
      const rule = predict(row) === positive ? 1 : 0;
      const noisy = rng() < noise ? 1 - rule : rule;
      return flipped ? 1 - noisy : noisy;
    },
  };
}
