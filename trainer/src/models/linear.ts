/**
 * Linear regression as a Learner: the closed-form ridge of ridge.ts (intercept unpenalised).
 * `alpha` defaults to 1 as scikit-learn's Ridge; on standard-scaled features it barely shrinks.
 */
import { checkParam } from './baseline.ts';
import type { LinearSaved } from '../model/saved.ts';
import type { FittedModel, Learner, Matrix } from './learner.ts';
import { fitRidge, predictLinear, type LinearModel } from './ridge.ts';

export interface LinearParams {
  alpha: number;
}

export class LinearFitted implements FittedModel<LinearSaved> {
  readonly kind = 'linear';
  constructor(readonly model: LinearModel) {}

  predict(x: Matrix): Float64Array {
    return predictLinear(this.model, x.data, x.cols);
  }

  toJSON(): LinearSaved {
    return { kind: 'linear', weights: Array.from(this.model.weights), intercept: this.model.intercept };
  }
}

export const linearLearner: Learner<LinearParams> = {
  name: 'linear',
  tasks: ['regression'],
  defaults: { alpha: 1 },
  async fit(x, y, params) {
    const alpha = params.alpha ?? linearLearner.defaults.alpha;
    checkParam(Number.isFinite(alpha) && alpha >= 0, 'linear', 'alpha', alpha, 'a finite number ≥ 0');
    return new LinearFitted(fitRidge(x.data, y, x.cols, alpha));
  },
};
