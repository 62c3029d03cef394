/**
 * The state a training run's stages share (run-training.ts runs them in order). Each stage reads
 * what earlier ones produced and returns what it adds; nothing else is shared between them. Only
 * the `TunedFolds` cache and the failure map grow as the stages go.
 */
import type { NumericColumn } from '../../data/dataset.ts';
import type { SpecData } from '../../data/load.ts';
import type { SplitResult } from '../../data/locked-test.ts';
import type { Metric } from '../../eval/metrics.ts';
import type { StackMeta } from '../../learners/stacking/model.ts';
import type { FittedModel } from '../../models/learner.ts';
import type { LoadedSpec } from '../../spec/load-spec.ts';
import type { ProblemSpec } from '../../spec/problem-spec.ts';
import type { Candidate, Params } from '../candidates.ts';
import { crossValidate, type CvScore, type Design, type Fold, type RunData } from '../cv.ts';
import type { CvTable } from '../cv-table.ts';
import type { FeatureSet } from '../feature-sets.ts';
import type { TableRow } from '../select.ts';
import type { ThresholdChoice } from '../threshold.ts';
import type { ParallelOptions } from '../parallel-fits.ts';
import type { TuningResult } from '../tuning.ts';
import type { LatencyMeasure } from '../../artifact/latency.ts';

/** Fixed for the whole run: the spec, its data and split, the candidates and the CV folds. */
export interface RunContext {
  loaded: LoadedSpec;
  spec: ProblemSpec;
  seed: number;
  quick: boolean;
  progress: (message: string) => void;
  metric: Metric;
  /** Whether score `a` beats score `b` under the spec metric. */
  better: (a: number, b: number) => boolean;
  specData: SpecData;
  split: SplitResult;
  target: NumericColumn;
  /** The run table and target, before a feature set picks its columns. */
  base: RunData;
  candidates: Candidate[];
  baseline: Candidate;
  folds: Fold[];
  shortlistSize: number;
  tuningBudget: number;
  stacking: boolean;
  /** Batch-1 latency of a row's model.onnx for `constraints.max_latency_us` (absent: onnxruntime-web). */
  measureLatency?: LatencyMeasure;
  /** CV folds and tuning trials go to this pool (absent: the shared one). */
  parallel: ParallelOptions;
}

/** The feature set kept after CV (the one holding the best candidate), with its designs and table. */
export interface KeptSet {
  set: FeatureSet;
  data: RunData;
  /** One per CV fold: the pipeline fitted on the fold's training rows, both sides designed. */
  designs: Design[];
  cv: CvTable;
  best?: TableRow;
}

/** A model that may be chosen: a tuned candidate, an ensemble of tuned candidates, or the baseline. */
export interface Contender {
  name: string;
  /** Its validation score (at its threshold when it has one). */
  score: number;
  /** Fitted on the training rows; predicts the validation rows as `predictions`. */
  model: FittedModel;
  predictions: Float64Array;
  params: Params | Record<string, Params>;
  threshold?: ThresholdChoice;
  /** Ensembles: the tuned members. */
  members?: TuningResult[];
  /** Stacking: the meta-learner fitted on the members' out-of-fold predictions. */
  meta?: StackMeta;
}

export function candidateNamed(candidates: readonly Candidate[], name: string): Candidate {
  return candidates.find((c) => c.name === name) as Candidate;
}

const sameParams = (a: Params, b: Params): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Held-out fold predictions of a candidate at its tuned parameters — the CV fits when tuning kept
 * the CV parameters, else one more CV, cached — for the stacking meta-learner and `cv.select: cv`.
 */
export class TunedFolds {
  private readonly cache = new Map<string, Float64Array[]>();
  /** Member fits spent so far (0 while every request reused the CV fits). */
  fits = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly kept: KeptSet,
  ) {}

  async of(name: string, params: Params): Promise<Float64Array[]> {
    const c = candidateNamed(this.ctx.candidates, name);
    const key = `${name} ${JSON.stringify(params)}`;
    const known =
      (sameParams(params, c.params) ? this.kept.cv.foldPredictions.get(name) : undefined) ?? this.cache.get(key);
    if (known) return known;
    const { designs, data } = this.kept;
    this.ctx.progress(`cv of ${name} with its tuned parameters (${designs.length} fits)…`);
    const predictions = (await crossValidate(data, designs, c, params, this.ctx.seed, this.ctx.parallel)).predictions;
    this.fits += designs.length;
    this.cache.set(key, predictions);
    return predictions;
  }
}

/** The scores the contenders are compared by under `cv.select: cv`. */
export type ContenderCv = Map<Contender, CvScore>;

export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
