/**
 * The candidate learners of a training run: a baseline first, then simple to complex, each with
 * small default parameters (CV of every candidate must stay affordable on 2 cores) and a parameter
 * grid for the tuning of the shortlisted ones. A spec's `candidates` (learner name → { param: value
 * or [values] }) replaces the default list; the baseline stays. Learners, their defaults and their
 * order come from the learner registry (learners/registry.ts).
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { Learner, Task } from '../models/learner.ts';
import type { Grid, Params } from '../learners/descriptor.ts';
import { descriptorOf, LEARNERS } from '../learners/registry.ts';

export type { Grid, Params };

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

/** The learner a spec's `candidates` may name; OUTPOST_ERR_RUN_CANDIDATE_INVALID for any other name. */
export function learnerByName(name: string): Learner<Params> {
  const l = descriptorOf(name)?.learner;
  if (!l)
    throw trainerError(
      TrainerErrorCodes.RUN_CANDIDATE_INVALID,
      `unknown learner "${name}"; known: ${LEARNERS.flatMap((d) => (d.learner ? [d.kind] : [])).join(', ')}`,
      { field: `candidates.${name}`, learner: name },
    );
  return l;
}

export function baselineCandidate(task: Task): Candidate {
  const d = LEARNERS.find((x) => x.baselineFor?.includes(task));
  if (!d?.learner) throw trainerError(TrainerErrorCodes.RUN_CANDIDATE_INVALID, `no baseline for ${task}`, { task });
  return { name: d.kind, learner: d.learner, params: {}, grid: {}, baseline: true };
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
    for (const { kind, learner, candidate: d } of LEARNERS) {
      if (!d || !learner?.tasks.includes(task)) continue;
      out.push({
        name: kind,
        learner,
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
  const d = descriptorOf(name)?.candidate;
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
