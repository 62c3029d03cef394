/**
 * Stage 5: the final refit of the chosen model — pipeline included — on train + validation, and the
 * `TrainedModel` the artifact builder takes. An ensemble refits each member; stacking keeps the
 * meta-learner fitted on the training rows' out-of-fold predictions.
 */
import { AveragingModel } from '../../learners/averaging/model.ts';
import { StackingModel } from '../../learners/stacking/model.ts';
import type { TrainedModel } from '../../model/trained-model.ts';
import type { FittedModel } from '../../models/learner.ts';
import type { Params } from '../candidates.ts';
import { fitDesign, fitContext, type CvScore } from '../cv.ts';
import { buildTrainedModel } from '../trained-model-build.ts';
import { candidateNamed, type Contender, type KeptSet, type RunContext } from './state.ts';

export interface Refit {
  trainedModel: TrainedModel;
  /** The baseline refitted the same way, for `outpost test`. */
  baseline: FittedModel;
}

export async function refit(
  ctx: RunContext,
  kept: KeptSet,
  chosen: Contender,
  cv: CvScore | undefined,
): Promise<Refit> {
  const { split, seed, candidates } = ctx;
  const { data } = kept;
  ctx.progress(`final refit of ${chosen.name} on train + validation…`);
  const all = [...split.train, ...split.validation].sort((a, b) => a - b);
  const fin = fitDesign(data, all);
  const fitCtx = fitContext(data, seed, fin.pipeline.features);
  let model: FittedModel;
  if (chosen.members) {
    const fitted: FittedModel[] = [];
    for (const m of chosen.members)
      fitted.push(await candidateNamed(candidates, m.candidate).learner.fit(fin.train.x, fin.train.y, m.best, fitCtx));
    model = chosen.meta
      ? new StackingModel(fitted, chosen.meta)
      : new AveragingModel(fitted.map((f) => ({ model: f, weight: 1 })));
  } else {
    const c = candidateNamed(candidates, chosen.name);
    model = await c.learner.fit(fin.train.x, fin.train.y, chosen.params as Params, fitCtx);
  }
  const b = ctx.baseline;
  const baseline = await b.learner.fit(fin.train.x, fin.train.y, b.params, fitCtx);
  const cut = chosen.threshold?.threshold;
  const trainedModel = buildTrainedModel({
    loaded: ctx.loaded,
    data,
    specData: ctx.specData,
    split,
    pipeline: fin.pipeline,
    model,
    params: chosen.params as Params,
    seed,
    finalRows: fin.train.rows,
    validationRows: split.validation,
    cv,
    validationScore: chosen.score,
    ...(cut !== undefined ? { threshold: cut } : {}),
  });
  return { trainedModel, baseline };
}
