/**
 * The CV table of a run (stages/feature-sets.ts): every candidate cross-validated on the same folds, then the averaging and the
 * stacking ensembles of the best few, scored from the members' held-out fold predictions (no
 * member is refitted). A candidate that fails is recorded, not fatal.
 */
import type { Metric } from '../eval/metrics.ts';
import type { Candidate } from './candidates.ts';
import { crossValidate, summarise, type Design, type RunData } from './cv.ts';
import type { ParallelOptions } from './parallel-fits.ts';
import { averagePredictions } from '../learners/averaging/model.ts';
import { shortlist, type TableRow } from './select.ts';
import { outOfFold, stackingFoldScores } from './stacking.ts';

/** The averaging ensemble's name in the tables (its model kind too). */
export const AVERAGING = 'averaging';
/** The stacking ensemble's name in the tables (its model kind too). */
export const STACKING = 'stacking';

export interface CvTable {
  rows: TableRow[];
  /** Failed candidates: name → error message. */
  failures: Record<string, string>;
  /** Held-out predictions per fold of each candidate at its CV parameters. */
  foldPredictions: Map<string, Float64Array[]>;
}

export interface CvTableOptions {
  metric: Metric;
  seed: number;
  /** How many of the best candidates the ensembles combine (at most 3). */
  shortlist: number;
  stacking: boolean;
  progress: (message: string) => void;
  /** Where the folds are fitted (default: the shared worker pool). */
  parallel?: ParallelOptions;
}

/** Output width of a model's predictions: classes for multiclass, else 1. */
export function predictionWidth(data: RunData): number {
  return data.spec.task === 'multiclass' ? (data.classes?.length ?? 0) : 1;
}

export function metaOptions(data: RunData, seed: number): { seed: number; classes?: number } {
  return { seed, ...(data.classes ? { classes: data.classes.length } : {}) };
}

export async function cvTable(
  data: RunData,
  designs: readonly Design[],
  candidates: readonly Candidate[],
  opts: CvTableOptions,
): Promise<CvTable> {
  const { metric, progress } = opts;
  const rows: TableRow[] = [];
  const failures: Record<string, string> = {};
  const foldPredictions = new Map<string, Float64Array[]>();
  for (const c of candidates) {
    const started = performance.now();
    progress(`cv ${c.name} (${designs.length} folds)…`);
    try {
      const r = await crossValidate(data, designs, c, c.params, opts.seed, opts.parallel);
      foldPredictions.set(c.name, r.predictions);
      const row: TableRow = {
        name: c.name,
        params: c.params,
        cv: { mean: r.mean, std: r.std, folds: r.folds },
        seconds: (performance.now() - started) / 1000,
      };
      if (c.baseline) row.baseline = true;
      rows.push(row);
      progress(
        `cv ${c.name}: ${metric.name} ${r.mean.toPrecision(5)} ± ${r.std.toPrecision(3)} (${row.seconds.toFixed(1)} s)`,
      );
    } catch (err) {
      failures[c.name] = (err as Error).message;
      progress(`cv ${c.name} failed: ${(err as Error).message}`);
    }
  }
  const short = shortlist(rows, metric.name, opts.shortlist);
  if (short.length >= 2) {
    const members = short.slice(0, Math.min(3, short.length));
    const memberFolds = members.map((m) => foldPredictions.get(m.name) as Float64Array[]);
    const scores = designs.map((d, f) =>
      metric.fn(
        d.held.y,
        averagePredictions(
          memberFolds.map((p) => p[f] as Float64Array),
          members.map(() => 1 / members.length),
        ),
      ),
    );
    rows.push({
      name: AVERAGING,
      params: {},
      cv: summarise(scores),
      members: members.map((m) => m.name),
      method: 'average',
      seconds: 0,
    });
    if (opts.stacking) {
      const started = performance.now();
      try {
        const folds = await stackingFoldScores(
          data.spec.task,
          outOfFold(designs, memberFolds, predictionWidth(data)),
          designs.length,
          metric.fn,
          metaOptions(data, opts.seed),
        );
        rows.push({
          name: STACKING,
          params: {},
          cv: summarise(folds),
          members: members.map((m) => m.name),
          method: 'stack',
          seconds: (performance.now() - started) / 1000,
        });
      } catch (err) {
        failures[STACKING] = (err as Error).message;
        progress(`cv ${STACKING} failed: ${(err as Error).message}`);
      }
    }
  }
  return { rows, failures, foldPredictions };
}
