export { forestLearner, ForestModel, type ForestLearner } from './learner.ts';
export { FOREST_DEFAULTS, type ForestParams } from './params.ts';
export { treeSeed } from './build.ts';
