/** Histogram gradient-boosted trees: the learner, its params and the fitted model. */
export { ensembleToJSON, fitGbdt, gbdtLearner, GbdtModel } from './gbdt.ts';
export { GBDT_DEFAULTS, resolveGbdtParams, type GbdtParams } from './params.ts';
