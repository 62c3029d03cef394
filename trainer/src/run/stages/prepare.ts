/**
 * Stage 0: the spec's data, its split (the test rows locked away), the encoded target, the
 * candidates and the CV folds (whole groups per fold when the spec's `cv.group` asks).
 */
import type { NumericColumn } from '../../data/dataset.ts';
import { column, encodeTarget, loadSpecData } from '../../data/load.ts';
import { splitAndLock } from '../../data/locked-test.ts';
import { metricByName } from '../../eval/metrics.ts';
import type { LoadedSpec } from '../../spec/load-spec.ts';
import { runProfile } from '../../spec/quick-profile.ts';
import { candidatesFor, type Candidate } from '../candidates.ts';
import { kFolds, type RunData } from '../cv.ts';
import { dayKeysOfTimes, groupFolds, groupKeys } from '../group-folds.ts';
import { rowTimes } from '../../data/time.ts';
import type { RunTrainingOptions } from '../run-training.ts';
import type { RunContext } from './state.ts';

export function prepare(loaded: LoadedSpec, opts: RunTrainingOptions): RunContext {
  const { spec } = loaded;
  const seed = opts.seed ?? spec.seed;
  const quick = opts.quick ?? false;
  const progress = opts.onProgress ?? ((): void => {});
  const metric = metricByName(spec.metric);
  const better = (a: number, b: number): boolean => (metric.higherIsBetter ? a > b : a < b);

  const specData = loadSpecData(loaded);
  const split = splitAndLock(specData, spec);
  const enc = encodeTarget(split.table, spec);
  const target: NumericColumn = { kind: 'numeric', name: spec.target.column, values: enc.values };
  const base: RunData = { spec, table: split.table, columns: [], target };
  if (enc.classes) base.classes = enc.classes;
  progress(
    `data: ${split.train.length} train, ${split.validation.length} validation, ${split.test.rowCount} locked test rows`,
  );

  const profile = runProfile(spec, quick);
  const candidates = opts.candidates ?? candidatesFor(spec.task, profile.candidates, quick);
  const k = opts.folds ?? profile.folds;
  const g = spec.cv.group;
  // Grouping by day on the time split's own column reads its parsed times (its format, its time column).
  const byParsedDay =
    g?.by === 'day' &&
    spec.split.method === 'time' &&
    g.column === spec.split.column &&
    (spec.split.format !== undefined || spec.split.time_column !== undefined);
  const folds = g
    ? groupFolds(
        split.train,
        k,
        byParsedDay
          ? dayKeysOfTimes(rowTimes(split.table, spec.split))
          : groupKeys(column(split.table, g.column), g.by),
      )
    : kFolds(split.train, k, seed, spec.task === 'regression' ? undefined : target.values);
  return {
    loaded,
    spec,
    seed,
    quick,
    progress,
    metric,
    better,
    specData,
    split,
    target,
    base,
    candidates,
    baseline: candidates.find((c) => c.baseline) ?? (candidates[0] as Candidate),
    folds,
    shortlistSize: opts.shortlist ?? profile.shortlist,
    tuningBudget: opts.tuningBudget ?? profile.tuningBudget,
    stacking: opts.stacking ?? profile.stacking,
    ...(opts.measureLatency ? { measureLatency: opts.measureLatency } : {}),
    parallel: opts.pool ? { pool: opts.pool } : {},
  };
}
