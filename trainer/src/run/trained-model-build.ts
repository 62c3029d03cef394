/** Assembles the `TrainedModel` a run hands to the artifact builder from the run's final refit. */
import { createHash } from 'node:crypto';
import type { InputSpec, MetricSummary } from '@outpost/protocol';
import type { Column } from '../data/dataset.ts';
import type { SpecData } from '../data/load.ts';
import type { SplitResult } from '../data/locked-test.ts';
import type { FittedModel } from '../models/learner.ts';
import type { SpecPipeline } from '../preprocess/spec-pipeline.ts';
import { sourceRelativeToSpec, type LoadedSpec } from '../spec/load-spec.ts';
import type { Params } from './candidates.ts';
import type { CvScore, RunData } from './cv.ts';
import type { RawRecord, TrainedModel } from '../model/trained-model.ts';

export interface BuildFacts {
  loaded: LoadedSpec;
  data: RunData;
  specData: SpecData;
  split: SplitResult;
  pipeline: SpecPipeline;
  model: FittedModel;
  params: Params;
  seed: number;
  /** Run-table rows the final model was fitted on (after row-level cleaning). */
  finalRows: readonly number[];
  validationRows: readonly number[];
  cv?: CvScore;
  validationScore: number;
  /** Binary decision threshold tuned on validation (threshold.ts). */
  threshold?: number;
}

export function buildTrainedModel(f: BuildFacts): TrainedModel {
  const { spec } = f.loaded;
  const byName = new Map(f.data.columns.map((c) => [c.name, c]));
  const records = (rows: readonly number[]): RawRecord[] => rows.map((r) => rawRecordOf(f.pipeline, byName, r));
  const metrics: Record<string, MetricSummary> = {};
  if (f.cv && Number.isFinite(f.cv.mean) && Number.isFinite(f.cv.std))
    metrics.cv = { metric: spec.metric, value: f.cv.mean, std: f.cv.std, folds: f.cv.folds.length };
  if (Number.isFinite(f.validationScore)) metrics.validation = { metric: spec.metric, value: f.validationScore };
  const fingerprint = createHash('sha256');
  for (const s of f.specData.sources) fingerprint.update(`${s.role}:${s.sha256}\n`);
  fingerprint.update(f.finalRows.map((r) => f.split.table.lines[r]).join(','));
  const out: TrainedModel = {
    name: spec.name,
    task: spec.task,
    inputs: inputSpecs(f.pipeline, byName, f.finalRows),
    pipeline: f.pipeline,
    model: f.model,
    params: f.params,
    seed: f.seed,
    metrics,
    trainRecords: records(f.finalRows),
    dataFingerprint: fingerprint.digest('hex'),
    dataSource: f.specData.sources
      .filter((s) => s.role === 'train')
      .map((s) => sourceRelativeToSpec(f.loaded.file, s.source))
      .join(' + '),
    quantizationTolerance: spec.quantization.tolerance,
    validation: {
      records: records(f.validationRows),
      y: Float64Array.from(f.validationRows, (r) => f.data.target.values[r] as number),
    },
  };
  if (f.data.classes) out.classes = [...f.data.classes];
  if (f.threshold !== undefined) out.threshold = f.threshold;
  return out;
}

/** A run-table row as the device would send it (the pipeline's raw inputs; missing → null). */
export function rawRecordOf(p: SpecPipeline, byName: ReadonlyMap<string, Column>, row: number): RawRecord {
  const rec: RawRecord = {};
  for (const input of p.inputs) {
    const col = byName.get(input.name);
    if (!col) rec[input.name] = null;
    else if (col.kind === 'numeric') {
      const v = col.values[row] as number;
      rec[input.name] = Number.isNaN(v) ? null : v;
    } else {
      const v = col.values[row] as string;
      rec[input.name] = v === '' ? null : v;
    }
  }
  return rec;
}

/** Graph inputs in pipeline order: numeric ranges and known categories from the final training rows. */
export function inputSpecs(p: SpecPipeline, byName: ReadonlyMap<string, Column>, rows: readonly number[]): InputSpec[] {
  return p.inputs.map((input): InputSpec => {
    const col = byName.get(input.name);
    if (input.kind === 'numeric') {
      const spec: InputSpec = { name: input.name, type: 'float' };
      if (col?.kind === 'numeric') {
        let lo = Infinity;
        let hi = -Infinity;
        for (const r of rows) {
          const v = col.values[r] as number;
          if (Number.isNaN(v)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (lo <= hi) spec.range = [lo, hi];
      }
      return spec;
    }
    const step = p.steps.find((s) => (s.op === 'onehot' || s.op === 'ordinal') && s.column === input.name);
    const categories = step?.op === 'onehot' ? step.categories : step?.op === 'ordinal' ? step.order : [];
    return { name: input.name, type: 'string', categories: [...categories] };
  });
}
