export { treeLearner, type TreeLearner, checkedTarget, outputsOf } from './learner.ts';
export {
  CART_DEFAULTS,
  resolveGrowParams,
  resolveMaxFeatures,
  type CartParams,
  type GrowParams,
  type MaxFeatures,
} from './params.ts';
export { TreeEnsembleModel } from './ensemble-model.ts';
export { growTree, growWorkspace, type GrownTree, type GrowWorkspace } from './grow.ts';
export { toRawTree, binnedLeafOf } from './convert.ts';
