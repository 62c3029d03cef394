/**
 * The sim's stand-in for a regression model (docs/MONITORING.md "Scenarios"): a fixed monotone
 * rule — the quantile of the first numeric input under its reference profile, read off the
 * reference's prediction distribution — so predictions stay in distribution, and real-valued labels
 * that differ from it by Gaussian noise as large as the model's own test RMSE, so the error sits in
 * the model's performance band. A `flipped` label (a concept change) is read at the mirrored quantile.
 */
import type { FeatureValue, Manifest, Rng } from '@outpost/protocol';
import { featureModels, type FeatureModel, type StandIn } from './rows.ts';

/** The model's own error: its RMSE from cv, then test, then validation (0 when none is given). */
export function modelRmse(manifest: Manifest): number {
  for (const source of ['cv', 'test', 'validation']) {
    const m = manifest.metrics[source];
    if (m?.metric === 'rmse' && m.value >= 0) return m.value;
  }
  return 0;
}

/** A standard normal draw (Box–Muller). */
export function gaussian(rng: Rng): number {
  const u = Math.max(rng(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Where `v` lies in the feature's reference distribution (0–1), linear within a bin. */
function cdf(f: FeatureModel, v: number): number {
  let below = 0;
  for (let i = 0; i < f.probs.length; i++) {
    const lo = f.lows[i] as number;
    const hi = f.highs[i] as number;
    const q = f.probs[i] as number;
    if (v < hi || i === f.probs.length - 1)
      return Math.min(1, below + q * Math.max(0, Math.min(1, (v - lo) / (hi - lo))));
    below += q;
  }
  return below;
}

/** The value at quantile `u` of the feature's reference distribution. */
function quantile(f: FeatureModel, u: number): number {
  let left = u;
  for (let i = 0; i < f.probs.length; i++) {
    const q = f.probs[i] as number;
    const lo = f.lows[i] as number;
    if (left <= q || i === f.probs.length - 1)
      return lo + (q > 0 ? Math.min(1, left / q) : 0) * ((f.highs[i] as number) - lo);
    left -= q;
  }
  return f.highs.at(-1) ?? 0;
}

export function regressionStandIn(manifest: Manifest): StandIn {
  const f = featureModels(manifest)[0];
  const pred = manifest.reference.prediction;
  // The prediction's reference as a feature model (its bins, open ends as wide as their neighbours).
  const out = featureModels({
    ...manifest,
    inputs: [{ name: '(prediction)', type: 'float' }],
    reference: { ...manifest.reference, features: { '(prediction)': pred } },
  })[0];
  const at = (u: number): number => (out ? quantile(out, u) : 0);
  const position = (row: Record<string, FeatureValue>): number => {
    const v = f ? row[f.name] : undefined;
    return f && typeof v === 'number' ? cdf(f, v) : 0.5;
  };
  const rmse = modelRmse(manifest);
  return {
    feature: f?.name ?? '',
    threshold: Number.NaN,
    positive: at(1),
    negative: at(0),
    noise: rmse,
    predict: (row) => at(position(row)),
    label(row, rng, flipped) {
      const u = position(row);
      return at(flipped ? 1 - u : u) + gaussian(rng) * rmse;
    },
  };
}
