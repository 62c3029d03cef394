import {
  MANIFEST_SCHEMA,
  type FileEntry,
  type GoldenExample,
  type InputSpec,
  type ReferenceProfile,
  type UnsignedManifest,
} from '@outpost/protocol';
import type { Dataset } from '../data/dataset.ts';
import type { CvScore } from '../eval/cross-validate.ts';
import type { Pipeline } from '../preprocess/pipeline.ts';
import { sortedPresent } from '../stats.ts';

/** Input specs in graph-input order, with ranges and categories seen in the training rows. */
export function inputSpecs(ds: Dataset, p: Pipeline, trainRows: readonly number[]): InputSpec[] {
  const numeric: InputSpec[] = p.numeric.map((s) => {
    const col = ds.features.find((c) => c.name === s.name);
    const sorted = col?.kind === 'numeric' ? sortedPresent(col.values, trainRows) : new Float64Array();
    const spec: InputSpec = { name: s.name, type: 'float' };
    if (sorted.length > 0) spec.range = [sorted[0] as number, sorted[sorted.length - 1] as number];
    return spec;
  });
  const strings: InputSpec[] = p.oneHot.map((o) => ({ name: o.name, type: 'string', categories: [...o.categories] }));
  return [...numeric, ...strings];
}

export function rmseSummary(score: CvScore): UnsignedManifest['metrics'][string] {
  return { metric: 'rmse', value: score.mean, std: score.std, folds: score.folds.length };
}

export interface ManifestFacts {
  name: string;
  version: number;
  parentVersion: number | null;
  createdAt: number;
  inputs: InputSpec[];
  predictionOutput: string;
  files: FileEntry[];
  metrics: UnsignedManifest['metrics'];
  fingerprint: string;
  trainRows: number;
  source: string;
  golden: GoldenExample[];
  reference: ReferenceProfile;
  algorithm: string;
  seed: number;
  params: Record<string, unknown>;
}

export function regressionManifest(f: ManifestFacts): UnsignedManifest {
  return {
    schema: MANIFEST_SCHEMA,
    name: f.name,
    version: f.version,
    parentVersion: f.parentVersion,
    createdAt: new Date(f.createdAt).toISOString(),
    task: 'regression',
    inputs: f.inputs,
    outputs: [{ name: f.predictionOutput, type: 'float', shape: [1] }],
    predictionOutput: f.predictionOutput,
    files: f.files,
    metrics: f.metrics,
    trainingData: { fingerprint: f.fingerprint, rows: f.trainRows, source: f.source },
    golden: f.golden,
    reference: f.reference,
    trainer: { algorithm: f.algorithm, seed: f.seed, params: f.params },
  };
}
