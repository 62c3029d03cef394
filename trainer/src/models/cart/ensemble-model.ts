/**
 * A fitted model that is a `TreeEnsemble` (a single CART tree is a one-tree ensemble). Prediction
 * goes through `ensembleScores` + `postTransform`, the same arithmetic the ONNX exporter writes.
 */
import type { TreeEnsembleSaved } from '../../model/saved.ts';
import type { FittedModel, Matrix, Task } from '../learner.ts';
import { ensembleScores, postTransform, type TreeEnsemble } from '../tree.ts';

export class TreeEnsembleModel implements FittedModel<TreeEnsembleSaved> {
  constructor(
    readonly kind: TreeEnsembleSaved['kind'],
    readonly task: Task,
    readonly ensemble: TreeEnsemble,
  ) {}

  /** Regression: values. Binary: P(class 1). Multiclass: n × classes probabilities. */
  predict(x: Matrix): Float64Array {
    const e = this.ensemble;
    const scores = postTransform(e, ensembleScores(e, x.data, x.rows, x.cols));
    if (this.task !== 'binary' || e.outputs === 1) return scores;
    const p1 = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) p1[r] = scores[r * e.outputs + 1] as number;
    return p1;
  }

  /** The ensemble itself (its typed arrays shared, not copied), which is what the exporter reads. */
  toJSON(): TreeEnsembleSaved {
    return { kind: this.kind, ...this.ensemble };
  }
}
