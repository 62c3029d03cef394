/**
 * Hyperparameter search on the validation rows only: fit on the training rows,
 * score on the validation rows; the locked test rows are not in reach. A grid small enough is
 * searched whole; a larger one is sampled (seeded random search) and, when the sample is still
 * large, thinned by successive halving — every sampled point on a third of the training rows, the
 * best third on all of them. The candidate's CV parameters are always tried, so tuning never
 * returns something worse on validation than the untuned model. The trials of a round are fitted
 * on worker threads (`nJobs`, default 2; parallel-fits.ts) and recorded in the same order, with the
 * same scores, as fitting them one after the other; the best is then refitted in this thread (fits
 * are deterministic for a seed), since workers send back predictions, not models.
 */
import { metricByName } from '../eval/metrics.ts';
import type { FittedModel } from '../models/learner.ts';
import { mulberry32, shuffled } from '../random.ts';
import { gridPoints, type Candidate, type Params } from './candidates.ts';
import { fitContext, type Design, type RunData } from './cv.ts';
import { fitEach, fitOne, type FitSpec, type ParallelOptions } from './parallel-fits.ts';

export interface TuningTrial {
  params: Params;
  score: number;
  /** Share of the training rows the trial was fitted on (< 1 in a halving round). */
  fraction: number;
}

export interface TuningResult {
  candidate: string;
  method: 'none' | 'grid' | 'random' | 'halving';
  /**
   * Distinct parameter sets in the search: the grid's points, plus the CV parameters when the grid
   * lacks them (they are always tried); 0 when there is no grid.
   */
  space: number;
  /** Distinct parameter sets fitted (≤ space); a halving round fits some twice, so trials may be more. */
  tried: number;
  trials: TuningTrial[];
  best: Params;
  bestScore: number;
  /** Score of the CV (untuned) parameters on validation. */
  defaultScore: number;
  /** The best model fitted on the training rows (for importance, ensembles, error analysis). */
  model: FittedModel;
  /** Its validation predictions. */
  predictions: Float64Array;
}

export interface TuneOptions extends ParallelOptions {
  seed: number;
  /** Most full-size fits (default 8). */
  budget?: number;
  onProgress?: (message: string) => void;
}

const same = (a: Params, b: Params): boolean => JSON.stringify(a) === JSON.stringify(b);

export async function tune(
  data: RunData,
  split: Design,
  candidate: Candidate,
  opts: TuneOptions,
): Promise<TuningResult> {
  const metric = metricByName(data.spec.metric);
  const better = (a: number, b: number): boolean => (metric.higherIsBetter ? a > b : a < b);
  const budget = Math.max(1, opts.budget ?? 8);
  const points = gridPoints(candidate.grid).map((p) => ({ ...candidate.params, ...p }));
  const withDefault = points.some((p) => same(p, candidate.params)) ? points.length : points.length + 1;
  const space = Object.keys(candidate.grid).length === 0 ? 0 : withDefault;
  const rng = mulberry32(opts.seed ^ 0x5f3759df);
  let method: TuningResult['method'] = space === 0 ? 'none' : 'grid';
  let chosen = points;
  if (points.length > budget) {
    // Random search samples up to 3× the budget; halving cuts the sample to the budget.
    chosen = shuffled(points, rng).slice(0, budget * 3);
    method = chosen.length > budget ? 'halving' : 'random';
  }
  if (!chosen.some((p) => same(p, candidate.params))) chosen = [candidate.params, ...chosen];
  else chosen = [candidate.params, ...chosen.filter((p) => !same(p, candidate.params))];

  const trials: TuningTrial[] = [];
  const ctx = fitContext(data, opts.seed, split.pipeline.features);
  const job = (params: Params, rows?: number[]): FitSpec => ({
    x: split.train.x,
    y: split.train.y,
    held: split.held.x,
    params,
    ctx,
    ...(rows ? { rows } : {}),
  });
  /** Fits `points` (on `rows` only, when given), records their trials in order; `onEach` sees each score and, when fitted here, the model. */
  const round = async (
    points: readonly Params[],
    rows: number[] | undefined,
    onEach: (i: number, score: number, predictions: Float64Array, model?: FittedModel) => void,
  ): Promise<void> => {
    const fraction = rows ? rows.length / split.train.y.length : 1;
    await fitEach(
      candidate,
      points.map((p) => job(p, rows)),
      opts,
      (i, o) => {
        const params = points[i] as Params;
        const score = metric.fn(split.held.y, o.predictions);
        trials.push({ params, score, fraction });
        onEach(i, score, o.predictions, o.model);
      },
    );
  };

  if (method === 'halving') {
    const third = shuffled(
      Array.from({ length: split.train.y.length }, (_, i) => i),
      rng,
    )
      .slice(0, Math.max(1, Math.floor(split.train.y.length / 3)))
      .sort((a, b) => a - b);
    const rough: { p: Params; s: number; i: number }[] = [];
    await round(chosen, third, (i, s) => {
      rough.push({ p: chosen[i] as Params, s, i });
      opts.onProgress?.(`tuning ${candidate.name}: halving round 1, ${i + 1}/${chosen.length}`);
    });
    rough.sort((a, b) => (better(a.s, b.s) ? -1 : better(b.s, a.s) ? 1 : a.i - b.i));
    const kept = rough.slice(0, budget).map((r) => r.p);
    chosen = kept.some((p) => same(p, candidate.params)) ? kept : [candidate.params, ...kept.slice(0, budget - 1)];
  }

  let best: { params: Params; score: number; model?: FittedModel; predictions: Float64Array } | undefined;
  let defaultScore = NaN;
  const full = chosen;
  await round(full, undefined, (i, score, predictions, model) => {
    const params = full[i] as Params;
    if (same(params, candidate.params)) defaultScore = score;
    if (!best || better(score, best.score)) best = { params, score, model, predictions };
    opts.onProgress?.(`tuning ${candidate.name}: ${i + 1}/${full.length} ${metric.name} ${score.toPrecision(5)}`);
  });
  const b = best as unknown as NonNullable<typeof best>;
  // Fitted on a worker: refit here (same inputs, params and seed, so the same model).
  const fitted = b.model
    ? { model: b.model, predictions: b.predictions }
    : await fitOne(candidate.learner, job(b.params));
  return {
    candidate: candidate.name,
    method,
    space,
    tried: new Set(trials.map((t) => JSON.stringify(t.params))).size,
    trials,
    best: b.params,
    bestScore: b.score,
    defaultScore,
    model: fitted.model,
    predictions: fitted.predictions,
  };
}
