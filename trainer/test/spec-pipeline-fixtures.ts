/** Shared helpers of the spec-pipeline tests: columns, parsed steps, a fit and its design rows. */
import type { CategoricalColumn, Column, NumericColumn } from '../src/data/dataset.ts';
import { fitSpecPipeline, transform, transformRecords, type SpecPipeline } from '../src/preprocess/spec-pipeline.ts';
import { CleaningStep, FeatureStep } from '../src/spec/steps.ts';

export const num = (name: string, values: (number | null)[]): NumericColumn => ({
  kind: 'numeric',
  name,
  values: Float64Array.from(values, (v) => v ?? NaN),
});
export const cat = (name: string, values: string[]): CategoricalColumn => ({ kind: 'categorical', name, values });
export const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const clean = (...steps: unknown[]): CleaningStep[] => steps.map((s) => CleaningStep.parse(s));
export const feats = (...steps: unknown[]): FeatureStep[] => steps.map((s) => FeatureStep.parse(s));

export function fit(
  columns: Column[],
  cleaning: CleaningStep[] = [],
  features: FeatureStep[] = [],
  rows = all(columns[0]?.values.length ?? 0),
): SpecPipeline {
  return fitSpecPipeline({ columns, rows, cleaning, features }).pipeline;
}

/** The design matrix of all rows, as an array of rows. */
export function design(p: SpecPipeline, columns: Column[]): number[][] {
  const m = transform(p, columns, all(columns[0]?.values.length ?? 0));
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

export function records(p: SpecPipeline, recs: Record<string, number | string | null>[]): number[][] {
  const m = transformRecords(p, recs);
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}
