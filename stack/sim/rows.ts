/**
 * What simulated devices measure (docs/OPERATIONS.md "Simulated fleet"): rows drawn from the
 * active manifest's reference profile — per numeric feature a bin picked by its reference
 * frequency, a value uniform within it — and the stand-in model's rule over them ("occupied when
 * Light ≥ 300"), so windows carry real feature bins and labels agree with predictions unless a
 * scenario says otherwise.
 */
import type { FeatureValue, Manifest, ReferenceProfile, Rng } from '@outpost/protocol';

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
/** Light (lux) at or above which the stand-in model says "occupied". */
export const SIM_LIGHT_ON = 300;
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

/** A sampler of rows for a manifest's numeric inputs, from its reference profile. */
export function rowSampler(manifest: Manifest): RowSampler {
  const features = manifest.inputs.flatMap((input) => {
    const ref = manifest.reference.features[input.name];
    if (ref?.kind !== 'numeric') return [];
    const { edges, freqs } = ref;
    const first = edges[0] ?? 0;
    const width = edges.length > 1 ? (edges[1] as number) - first : 1;
    const lastWidth = edges.length > 1 ? (edges.at(-1) as number) - (edges.at(-2) as number) : 1;
    // Bin i spans [edges[i-1], edges[i]); the open ends get the width of their neighbour.
    const lows = [first - width, ...edges];
    const highs = [...edges, (edges.at(-1) ?? 0) + lastWidth];
    const total = freqs.reduce((a, b) => a + b, 0) || 1;
    return [
      {
        name: input.name,
        lows,
        highs,
        cumulative: freqs.map((_, i) => freqs.slice(0, i + 1).reduce((a, b) => a + b, 0) / total),
      },
    ];
  });
  return (rng) => {
    const row: Record<string, FeatureValue> = {};
    for (const f of features) {
      const u = rng();
      let i = f.cumulative.findIndex((c) => u < c);
      if (i < 0) i = f.cumulative.length - 1;
      const lo = f.lows[i] as number;
      row[f.name] = lo + rng() * ((f.highs[i] as number) - lo);
    }
    return row;
  };
}

/** The stand-in model's output for a row. */
export function simPredict(row: Record<string, FeatureValue>): number {
  const light = row.Light;
  return typeof light === 'number' && light >= SIM_LIGHT_ON ? SIM_OCCUPIED_P : 1 - SIM_OCCUPIED_P;
}

/** The true label of a row: the rule's class, wrong with probability `noise`, the other class when `flipped`. */
export function simLabel(row: Record<string, FeatureValue>, rng: Rng, noise: number, flipped: boolean): number {
  const rule = simPredict(row) >= 0.5 ? 1 : 0;
  const noisy = rng() < noise ? 1 - rule : rule;
  return flipped ? 1 - noisy : noisy;
}
