import type { Dataset } from '../data/dataset.ts';
import type { Fold } from '../data/split.ts';
import { fitRidge, predictLinear } from '../models/ridge.ts';
import { fitPipeline, transformRows } from '../preprocess/pipeline.ts';
import { mean, pick, rmse, std } from '../stats.ts';

export interface CvScore {
  mean: number;
  std: number;
  folds: number[];
}

/** Fits a model on each fold's training rows and scores RMSE on its validation rows. */
export type FoldScorer = (ds: Dataset, fold: Fold) => number;

export function crossValidate(ds: Dataset, folds: readonly Fold[], score: FoldScorer): CvScore {
  const scores = folds.map((f) => score(ds, f));
  return { mean: mean(scores), std: std(scores), folds: scores };
}

/** Mean baseline: always predicts the training mean. */
export const baselineScorer: FoldScorer = (ds, fold) => {
  const m = mean(pick(ds.target.values, fold.train));
  const actual = pick(ds.target.values, fold.validation);
  return rmse(new Float64Array(actual.length).fill(m), actual);
};

/** Ridge inside the full preprocessing pipeline, refitted per fold so nothing leaks. */
export function ridgeScorer(alpha: number): FoldScorer {
  return (ds, fold) => {
    const p = fitPipeline(ds, fold.train);
    const model = fitRidge(transformRows(p, ds, fold.train), pick(ds.target.values, fold.train), p.width, alpha);
    const predicted = predictLinear(model, transformRows(p, ds, fold.validation), p.width);
    return rmse(predicted, pick(ds.target.values, fold.validation));
  };
}
