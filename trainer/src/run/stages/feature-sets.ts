/**
 * Stage 1: every candidate by k-fold CV on the training rows, on every feature set the spec names
 * (one set `all` when it names none); the set holding the best candidate is kept for everything
 * after. Failures of every set are reported, the other sets' under `<set>/<candidate>`.
 */
import { column, specFeatureColumns } from '../../data/load.ts';
import { foldDesigns, type CvScore, type RunData } from '../cv.ts';
import { cvTable } from '../cv-table.ts';
import { featureSetsOf } from '../feature-sets.ts';
import { rankRows } from '../select.ts';
import type { KeptSet, RunContext } from './state.ts';

/** A feature set's best CV row (the spec's `feature_sets`; one set `all` when it names none). */
export interface FeatureSetRow {
  name: string;
  features: string[];
  best?: { name: string; cv: CvScore };
}

export interface FeatureSetsResult {
  kept: KeptSet;
  featureSets: FeatureSetRow[];
  /** Failed candidates: name → error message. */
  failures: Record<string, string>;
}

export async function cvFeatureSets(ctx: RunContext): Promise<FeatureSetsResult> {
  const { spec, split, progress } = ctx;
  const sets = featureSetsOf(
    spec,
    specFeatureColumns(
      spec,
      split.table.columns.map((c) => c.name),
    ),
  );
  const featureSets: FeatureSetRow[] = [];
  const setFailures: { set: string; failures: Record<string, string> }[] = [];
  let kept: KeptSet | undefined;
  for (const set of sets) {
    if (sets.length > 1) progress(`feature set ${set.name}: ${set.features.join(', ')}`);
    const data: RunData = { ...ctx.base, columns: set.features.map((n) => column(split.table, n)) };
    const designs = foldDesigns(data, ctx.folds);
    const cv = await cvTable(data, designs, ctx.candidates, {
      metric: ctx.metric,
      seed: ctx.seed,
      shortlist: ctx.shortlistSize,
      stacking: ctx.stacking,
      progress,
      parallel: ctx.parallel,
    });
    setFailures.push({ set: set.name, failures: cv.failures });
    const best = rankRows(cv.rows, spec.metric).find((r) => !r.baseline && Number.isFinite(r.cv.mean));
    featureSets.push({
      name: set.name,
      features: set.features,
      ...(best ? { best: { name: best.name, cv: best.cv } } : {}),
    });
    if (!kept || (best && (!kept.best || ctx.better(best.cv.mean, kept.best.cv.mean))))
      kept = { set, data, designs, cv, ...(best ? { best } : {}) };
  }
  const keptSet = kept as KeptSet; // `sets` is never empty
  const failures: Record<string, string> = { ...keptSet.cv.failures };
  for (const { set, failures: f } of setFailures)
    if (set !== keptSet.set.name) for (const [n, e] of Object.entries(f)) failures[`${set}/${n}`] = e;
  if (sets.length > 1) progress(`feature set kept: ${keptSet.set.name}`);
  return { kept: keptSet, featureSets, failures };
}
