/**
 * The averaging ensemble: the weighted mean of its members' predictions — values for regression,
 * probabilities for classification. Its saved form is model/saved.ts `AveragingSaved`.
 */
import type { AveragingSaved } from '../../model/saved.ts';
import type { FittedModel, Matrix } from '../../models/learner.ts';

export interface AveragingMember {
  model: FittedModel;
  weight: number;
}

export class AveragingModel implements FittedModel<AveragingSaved> {
  readonly kind = 'averaging';
  readonly members: AveragingMember[];

  /** Weights are normalised to sum to 1. */
  constructor(members: readonly AveragingMember[]) {
    const total = members.reduce((s, m) => s + m.weight, 0);
    this.members = members.map((m) => ({ model: m.model, weight: total > 0 ? m.weight / total : 1 / members.length }));
  }

  predict(x: Matrix): Float64Array {
    return averagePredictions(
      this.members.map((m) => m.model.predict(x)),
      this.members.map((m) => m.weight),
    );
  }

  toJSON(): AveragingSaved {
    return { kind: 'averaging', members: this.members.map((m) => ({ weight: m.weight, model: m.model.toJSON() })) };
  }
}

/** Σ wᵢ·pᵢ element-wise (weights assumed normalised). */
export function averagePredictions(preds: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const first = preds[0];
  const out = new Float64Array(first ? first.length : 0);
  preds.forEach((p, m) => {
    const w = weights[m] as number;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + w * (p[i] as number);
  });
  return out;
}
