/**
 * Stage 3: which contender becomes the model. Under `cv.select: cv` every contender is scored by
 * CV with its tuned parameters on the run's folds and chosen by that score; its decision threshold
 * (binary, threshold metric) is then tuned on the pooled out-of-fold predictions — all training
 * rows rather than the validation slice, which is too small or too easy to pin a threshold down —
 * and its validation row is re-scored at it. `constraints` (max_model_bytes, max_latency_us): a
 * contender whose exported model is over a budget is not chosen. No contender left: the baseline is the model.
 */
import { averagePredictions } from '../../learners/averaging/model.ts';
import type { Params } from '../candidates.ts';
import { summarise } from '../cv.ts';
import { metaOptions, predictionWidth } from '../cv-table.ts';
import { describeBudgets, hasBudget, judgeBudgets, latencyProbe } from '../budgets.ts';
import { modelOnnx } from '../size-budget.ts';
import { outOfFold, stackingFoldPredictions } from '../stacking.ts';
import { metricAt, thresholdFor } from '../threshold.ts';
import { concat, type Contender, type ContenderCv, type KeptSet, type RunContext, type TunedFolds } from './state.ts';
import type { ValidationResult } from './validation.ts';

/** `cv.select: cv`: each contender's CV score at its tuned parameters (and threshold). */
export async function cvOfContenders(
  ctx: RunContext,
  kept: KeptSet,
  v: ValidationResult,
  tunedFolds: TunedFolds,
  failures: Record<string, string>,
): Promise<ContenderCv> {
  const { spec, metric, progress } = ctx;
  const { designs, data } = kept;
  const out: ContenderCv = new Map();
  if (spec.cv.select !== 'cv') return out;
  const width = predictionWidth(data);
  for (const p of v.contenders) {
    try {
      let folds: Float64Array[];
      if (p.members) {
        const memberFolds: Float64Array[][] = [];
        for (const m of p.members) memberFolds.push(await tunedFolds.of(m.candidate, m.best));
        folds = p.meta
          ? await stackingFoldPredictions(
              spec.task,
              outOfFold(designs, memberFolds, width),
              designs.length,
              metaOptions(data, ctx.seed),
            )
          : designs.map((_, f) =>
              averagePredictions(
                memberFolds.map((mf) => mf[f] as Float64Array),
                memberFolds.map(() => 1 / memberFolds.length),
              ),
            );
      } else {
        folds = await tunedFolds.of(p.name, p.params as Params);
      }
      const cvThreshold = thresholdFor(spec.task, spec.metric, concat(designs.map((d) => d.held.y)), concat(folds));
      const at = metricAt(spec.metric, cvThreshold?.threshold);
      const cv = summarise(designs.map((d, f) => at.fn(d.held.y, folds[f] as Float64Array)));
      out.set(p, cv);
      const row = v.rows.find((r) => r.name === p.name);
      if (cvThreshold) {
        const onValidation = at.fn(v.val.held.y, p.predictions);
        const positives = p.predictions.reduce((n, x) => n + (x >= cvThreshold.threshold ? 1 : 0), 0);
        p.threshold = {
          ...cvThreshold,
          score: onValidation,
          atDefault: metric.fn(v.val.held.y, p.predictions),
          positiveShare: positives / Math.max(1, p.predictions.length),
          on: 'cv',
        };
        p.score = onValidation;
        if (row) Object.assign(row, { threshold: cvThreshold.threshold, score: onValidation });
      }
      if (row) row.cv = cv;
      progress(
        `cv of tuned ${p.name}: ${metric.name} ${cv.mean.toPrecision(5)} ± ${cv.std.toPrecision(3)}${cvThreshold ? ` at threshold ${cvThreshold.threshold.toPrecision(3)} (tuned on the out-of-fold predictions)` : ''}`,
      );
    } catch (err) {
      failures[`${p.name} (tuned cv)`] = (err as Error).message;
      progress(`cv of tuned ${p.name} failed: ${(err as Error).message}`);
    }
  }
  return out;
}

/** `constraints.max_model_bytes`: the contenders whose float model.onnx is over the budget. */
export async function overBudget(ctx: RunContext, kept: KeptSet, v: ValidationResult): Promise<Set<Contender>> {
  const { spec, progress } = ctx;
  const over = new Set<Contender>();
  if (!hasBudget(spec)) return over;
  const probe = latencyProbe(v.val.pipeline, kept.data.columns, ctx.split.train);
  for (const p of v.contenders) {
    const onnx = modelOnnx(spec, v.val.pipeline, p.model, kept.data.classes, p.threshold?.threshold);
    const figures = await judgeBudgets(spec, onnx, probe, ctx.measureLatency);
    const row = v.rows.find((r) => r.name === p.name);
    if (row)
      Object.assign(
        row,
        { bytes: figures.bytes },
        figures.latencyUs !== undefined ? { latencyUs: figures.latencyUs } : {},
      );
    if (figures.over.length > 0) {
      over.add(p);
      progress(`${p.name}: ${describeBudgets(spec, figures)} — not chosen`);
    }
  }
  return over;
}

/** The best contender by validation (or, `cv.select: cv`, CV) within the budget; else the baseline. */
export function choose(ctx: RunContext, v: ValidationResult, cvs: ContenderCv, over: Set<Contender>): Contender {
  const { spec, metric, progress, better } = ctx;
  const selectBy = (p: Contender): number => (spec.cv.select === 'cv' ? (cvs.get(p)?.mean ?? NaN) : p.score);
  let chosen: Contender | undefined;
  for (const p of v.contenders)
    if (!over.has(p) && Number.isFinite(selectBy(p)) && (!chosen || better(selectBy(p), selectBy(chosen)))) chosen = p;
  if (!chosen) {
    // No candidate besides the baseline survived (or fits the size budget): the baseline is the model (and a no-go).
    const b = ctx.baseline;
    chosen = {
      name: b.name,
      score: v.rows[0]?.score ?? NaN,
      model: v.baseline.fit,
      predictions: v.baseline.predictions,
      params: b.params,
      ...(v.baseline.threshold ? { threshold: v.baseline.threshold } : {}),
    };
  }
  const chosenCv = cvs.get(chosen);
  progress(
    `chosen: ${chosen.name} (validation ${metric.name} ${chosen.score.toPrecision(5)}${chosenCv ? `, tuned cv ${chosenCv.mean.toPrecision(5)}` : ''})`,
  );
  const threshold = chosen.threshold;
  if (threshold)
    progress(
      `decision threshold ${threshold.threshold.toPrecision(3)} (tuned on ${threshold.on === 'cv' ? 'the out-of-fold predictions' : 'validation'}): validation ${metric.name} ${threshold.score.toPrecision(5)} vs ${threshold.atDefault.toPrecision(5)} at 0.5`,
    );
  return chosen;
}
