/**
 * Stage 4: the provisional go/no-go, permutation importance and error analysis of the chosen model
 * on the validation rows. The baseline is judged at its own tuned threshold too (a fair comparison:
 * "always positive" is a baseline for F1); without a threshold both are the plain metric.
 */
import type { Column } from '../../data/dataset.ts';
import { takeColumn } from '../../data/load.ts';
import { permutationImportance, type FeatureImportance } from '../../eval/importance.ts';
import { decide, decisionMetric, type Decision } from '../decision.ts';
import { errorAnalysis, type ErrorAnalysis } from '../error-analysis.ts';
import { metricAt } from '../threshold.ts';
import type { Contender, KeptSet, RunContext } from './state.ts';
import type { ValidationResult } from './validation.ts';

export interface Diagnosis {
  decision: Decision;
  importance: FeatureImportance[];
  errors: ErrorAnalysis;
}

export function diagnose(ctx: RunContext, kept: KeptSet, v: ValidationResult, chosen: Contender): Diagnosis {
  const { spec, seed, quick } = ctx;
  const { val } = v;
  const cut = chosen.threshold?.threshold;
  const dm = metricAt(decisionMetric(spec), cut);
  const baselineScore = metricAt(decisionMetric(spec), v.baseline.threshold?.threshold).fn(
    val.held.y,
    v.baseline.predictions,
  );
  const decision = decide(spec, dm.fn(val.held.y, chosen.predictions), baselineScore, 'provisional');
  const importance = permutationImportance(chosen.model, val.held.x, val.held.y, metricAt(spec.metric, cut), {
    repeats: quick ? 2 : 5,
    seed,
    columnNames: val.pipeline.features,
  });
  const segCols: Column[] = [...kept.data.columns, ...(spec.task === 'regression' ? [ctx.target] : [])].map((c) =>
    takeColumn(c, val.held.rows),
  );
  const errors = errorAnalysis({
    metric: spec.metric,
    y: val.held.y,
    predictions: chosen.predictions,
    columns: segCols,
    seed,
    ...(cut !== undefined ? { threshold: cut } : {}),
  });
  return { decision, importance, errors };
}
