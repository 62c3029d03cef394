/**
 * The candidate learners of a training run (issue "Trainer" §5): a baseline first, then simple to
 * complex, each with small default parameters (CV of every candidate must stay affordable on 2
 * cores) and a parameter grid for the tuning of the shortlisted ones. A spec's `candidates`
 * (learner name → { param: value or [values] }) replaces the default list; the baseline stays.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { majorityLearner, meanLearner, medianLearner } from '../models/baseline.ts';
import { treeLearner } from '../models/cart/index.ts';
import { forestLearner } from '../models/forest/index.ts';
import { gbdtLearner } from '../models/gbdt/index.ts';
import type { Learner, Task } from '../models/learner.ts';
import { linearLearner } from '../models/linear.ts';
import { logisticLearner } from '../models/logistic.ts';
import { mlpLearner } from '../models/mlp/mlp.ts';
import { standardized } from './standardize.ts';

export type Params = Record<string, unknown>;
/** Parameter name → the values to try. */
export type Grid = Record<string, readonly unknown[]>;

export interface Candidate {
  /** Learner name as the table shows it ('gbdt', 'forest', …). */
  name: string;
  learner: Learner<Params>;
  /** Parameters for CV (fixed spec values included). */
  params: Params;
  /** Values to search when tuning; empty when there is nothing to tune. */
  grid: Grid;
  baseline?: boolean;
}

const asAny = (l: Learner<never> | Learner<object>): Learner<Params> => l as unknown as Learner<Params>;

/** Every learner a spec may name. logistic and mlp fit on standardised inputs (μ / σ kept beside the weights: standardize.ts). */
export const LEARNERS: Readonly<Record<string, Learner<Params>>> = {
  mean: asAny(meanLearner),
  median: asAny(medianLearner),
  majority: asAny(majorityLearner),
  linear: asAny(linearLearner),
  logistic: standardized(asAny(logisticLearner)),
  tree: asAny(treeLearner),
  forest: asAny(forestLearner),
  gbdt: asAny(gbdtLearner),
  mlp: standardized(asAny(mlpLearner)),
};

export function learnerByName(name: string): Learner<Params> {
  const l = Object.hasOwn(LEARNERS, name) ? LEARNERS[name] : undefined;
  if (!l)
    throw trainerError(
      TrainerErrorCodes.RUN_CANDIDATE_INVALID,
      `unknown learner "${name}"; known: ${Object.keys(LEARNERS).join(', ')}`,
      { field: `candidates.${name}`, learner: name },
    );
  return l;
}

interface Default {
  params: Params;
  grid: Grid;
  quickParams?: Params;
  quickGrid?: Grid;
}

const DEFAULTS: Record<string, Default> = {
  linear: { params: { alpha: 1 }, grid: { alpha: [0.1, 1, 10, 100] }, quickGrid: { alpha: [1, 10] } },
  logistic: { params: { C: 1, max_iter: 200 }, grid: { C: [0.01, 0.1, 1, 10, 100] }, quickGrid: { C: [0.1, 10] } },
  tree: {
    params: { max_depth: null, min_samples_leaf: 1 },
    grid: { max_depth: [6, 10, 14, null], min_samples_leaf: [1, 5, 20] },
    quickGrid: { max_depth: [6, null], min_samples_leaf: [1, 10] },
  },
  forest: {
    params: { n_estimators: 60, max_features: null },
    grid: { n_estimators: [100], max_features: [0.33, 0.5, 1], min_samples_leaf: [1, 3] },
    quickParams: { n_estimators: 10 },
    quickGrid: { n_estimators: [10], max_features: [0.5, 1] },
  },
  gbdt: {
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
  },
  mlp: {
    params: { hidden_layer_sizes: [64, 32], max_iter: 100 },
    grid: {
      hidden_layer_sizes: [
        [64, 32],
        [128, 64],
      ],
      alpha: [1e-4, 1e-2],
    },
    quickParams: { hidden_layer_sizes: [16], max_iter: 20 },
    quickGrid: { hidden_layer_sizes: [[16]], alpha: [1e-4, 1e-2] },
  },
};

const ORDER: Record<Task, string[]> = {
  regression: ['linear', 'tree', 'forest', 'gbdt', 'mlp'],
  binary: ['logistic', 'tree', 'forest', 'gbdt', 'mlp'],
  multiclass: ['logistic', 'tree', 'forest', 'gbdt', 'mlp'],
};

export function baselineCandidate(task: Task): Candidate {
  const name = task === 'regression' ? 'mean' : 'majority';
  return { name, learner: learnerByName(name), params: {}, grid: {}, baseline: true };
}

/**
 * The baseline, then the spec's candidates or the default list for the task. In a spec, a list
 * value is a grid (its first value is the CV default), a scalar a fixed parameter.
 */
export function candidatesFor(
  task: Task,
  specCandidates: Record<string, unknown> | undefined,
  quick = false,
): Candidate[] {
  const out: Candidate[] = [baselineCandidate(task)];
  if (!specCandidates) {
    for (const name of ORDER[task]) {
      const d = DEFAULTS[name] as Default;
      out.push({
        name,
        learner: learnerByName(name),
        params: { ...d.params, ...(quick ? d.quickParams : {}) },
        grid: quick ? (d.quickGrid ?? d.grid) : d.grid,
      });
    }
    return out;
  }
  for (const [name, raw] of Object.entries(specCandidates)) {
    const learner = learnerByName(name);
    if (!learner.tasks.includes(task)) {
      throw trainerError(
        TrainerErrorCodes.RUN_CANDIDATE_INVALID,
        `candidates.${name}: learner ${name} does not do ${task}`,
        { field: `candidates.${name}`, learner: name },
      );
    }
    if (name === out[0]?.name) continue;
    out.push(specCandidate(name, learner, raw, quick));
  }
  return out;
}

function specCandidate(name: string, learner: Learner<Params>, raw: unknown, quick: boolean): Candidate {
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw trainerError(
      TrainerErrorCodes.RUN_CANDIDATE_INVALID,
      `candidates.${name}: must be a mapping of parameter → value or list of values`,
      { field: `candidates.${name}` },
    );
  }
  const d = DEFAULTS[name];
  const params: Params = { ...(d?.params ?? {}), ...(quick ? d?.quickParams : {}) };
  const grid: Grid = {};
  for (const [param, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!Object.hasOwn(learner.defaults, param)) {
      throw trainerError(
        TrainerErrorCodes.RUN_CANDIDATE_INVALID,
        `candidates.${name}.${param}: ${name} has no parameter ${param}`,
        { field: `candidates.${name}.${param}`, learner: name },
      );
    }
    // hidden_layer_sizes is itself a list: a grid of it is a list of lists.
    const isGrid = Array.isArray(value) && (param !== 'hidden_layer_sizes' || Array.isArray(value[0]));
    if (isGrid) {
      if (value.length === 0)
        throw trainerError(TrainerErrorCodes.RUN_CANDIDATE_INVALID, `candidates.${name}.${param}: empty list`, {
          field: `candidates.${name}.${param}`,
        });
      params[param] = value[0];
      if (value.length > 1) grid[param] = quick ? value.slice(0, 2) : value;
    } else params[param] = value;
  }
  return { name, learner, params, grid };
}

/** Every combination of a grid, in a fixed order (last parameter varies fastest). */
export function gridPoints(grid: Grid): Params[] {
  let points: Params[] = [{}];
  for (const [name, values] of Object.entries(grid))
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  return points;
}
