/** The champion-vs-challenger decision (docs/MONITORING.md "Retraining"). */
import type { RetrainScore } from './retrain-run.ts';

/** The default `retrain.margin` of a spec that sets none: the challenger must have 2% less loss. */
export const DEFAULT_RETRAIN_MARGIN = 0.02;

/** Relative loss reduction of the challenger: (champion − challenger) / champion (0 when both are perfect). */
export function improvementOf(champion: RetrainScore, challenger: RetrainScore): number {
  if (champion.loss === 0) return challenger.loss === 0 ? 0 : -Infinity;
  return (champion.loss - challenger.loss) / champion.loss;
}

/** The challenger wins when its loss is strictly lower and lower by at least `margin` relative to the champion's. */
export function challengerWins(champion: RetrainScore, challenger: RetrainScore, margin: number): boolean {
  return challenger.loss < champion.loss && improvementOf(champion, challenger) >= margin;
}
