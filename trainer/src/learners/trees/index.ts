/**
 * The tree ensembles — CART ('tree', a one-tree ensemble), random forest and histogram GBDT — share
 * one saved form (models/tree.ts `TreeEnsemble`), one reviver and one ONNX head
 * (TreeEnsembleRegressor, onnx/heads/tree.ts). They ship float (compacted exactly), no .tflite.
 */
import type { TreeEnsembleSaved } from '../../model/saved.ts';
import { treeLearner } from '../../models/cart/index.ts';
import { TreeEnsembleModel } from '../../models/cart/ensemble-model.ts';
import { forestLearner } from '../../models/forest/index.ts';
import { gbdtLearner } from '../../models/gbdt/index.ts';
import type { Learner } from '../../models/learner.ts';
import type { Tree, TreeEnsemble } from '../../models/tree.ts';
import { ensembleOf, treeHead } from '../../onnx/heads/tree.ts';
import type { CandidateDefaults, LearnerDescriptor, Params } from '../descriptor.ts';
import { nums, unknownModel } from '../revive-check.ts';

function revived(saved: TreeEnsembleSaved): TreeEnsemble {
  const { kind } = saved;
  if (!Array.isArray(saved.trees)) throw unknownModel(kind, 'no trees');
  const trees = saved.trees.map((t): Tree => ({
    feature: Int32Array.from(nums(t.feature, kind)),
    threshold: Float64Array.from(nums(t.threshold, kind)),
    left: Int32Array.from(nums(t.left, kind)),
    right: Int32Array.from(nums(t.right, kind)),
    value: Float64Array.from(nums(t.value, kind)),
    outputs: t.outputs,
  }));
  const e: TreeEnsemble = {
    trees,
    outputs: saved.outputs,
    base: Float64Array.from(nums(saved.base, kind)),
    aggregate: saved.aggregate,
    post: saved.post,
  };
  if (saved.treeOutput !== undefined) e.treeOutput = Int32Array.from(nums(saved.treeOutput, kind));
  return e;
}

function treeFamily<K extends TreeEnsembleSaved['kind']>(
  kind: K,
  learner: Learner<never> | Learner<object>,
  candidate: CandidateDefaults,
): LearnerDescriptor<K> {
  return {
    kind,
    label: kind,
    learner: learner as unknown as Learner<Params>,
    candidate,
    revive: (saved, task) => new TreeEnsembleModel(kind, task, revived(saved)),
    onnxHead: (h, design, saved) => treeHead(h, design, saved),
    supportsInt8: () => false,
    treeEnsembles: (saved) => [ensembleOf(saved)],
  };
}

export const tree = treeFamily('tree', treeLearner, {
  params: { max_depth: null, min_samples_leaf: 1 },
  grid: { max_depth: [6, 10, 14, null], min_samples_leaf: [1, 5, 20] },
  quickGrid: { max_depth: [6, null], min_samples_leaf: [1, 10] },
});

export const forest = treeFamily('forest', forestLearner, {
  params: { n_estimators: 60, max_features: null },
  grid: { n_estimators: [100], max_features: [0.33, 0.5, 1], min_samples_leaf: [1, 3] },
  quickParams: { n_estimators: 10 },
  quickGrid: { n_estimators: [10], max_features: [0.5, 1] },
});

export const gbdt = treeFamily('gbdt', gbdtLearner, {
  params: { max_iter: 200, learning_rate: 0.1, max_leaf_nodes: 31, min_samples_leaf: 20 },
  grid: {
    max_iter: [300, 800],
    learning_rate: [0.05, 0.1],
    max_leaf_nodes: [31, 63],
    min_samples_leaf: [10, 20],
    l2_regularization: [0, 1],
  },
  quickParams: { max_iter: 30 },
  quickGrid: { max_iter: [30, 60], learning_rate: [0.1, 0.2] },
});
