import { basename } from 'node:path';
import { assertId, sha256Hex, type Manifest, type SigningKeyPair } from '@outpost/protocol';
import { fileEntry, writeArtifact, type ArtifactFile, type WrittenArtifact } from './artifact/write-artifact.ts';
import { inputSpecs, regressionManifest, rmseSummary } from './artifact/manifest.ts';
import { latestVersion } from './artifact/versions.ts';
import { modelCard } from './card.ts';
import { parseDataset, rawRecord, readDataFile, type Dataset, type RawRecord } from './data/dataset.ts';
import { incomeCategory, kFold, stratifiedSplit, type Split } from './data/split.ts';
import { baselineScorer, crossValidate, ridgeScorer, type CvScore } from './eval/cross-validate.ts';
import { goldenExamples, goldenRecords } from './golden.ts';
import { fitRidge, predictLinear, type LinearModel } from './models/ridge.ts';
import { exportLinearOnnx, PREDICTION_OUTPUT } from './onnx/export-linear.ts';
import { featureNames, fitPipeline, transformRecords, transformRows, type Pipeline } from './preprocess/pipeline.ts';
import { buildReference } from './reference.ts';
import { pick } from './stats.ts';

/** The California housing problem: target, expected numeric columns, stratification. */
export const HOUSING = {
  target: 'median_house_value',
  numeric: [
    'longitude',
    'latitude',
    'housing_median_age',
    'total_rooms',
    'total_bedrooms',
    'population',
    'households',
    'median_income',
  ],
  stratifyOn: 'median_income',
  testFraction: 0.2,
  folds: 5,
  /** On standard-scaled features, so it barely shrinks; it keeps the normal equations definite. */
  alpha: 1,
} as const;

export interface TrainHousingOptions {
  csvPath: string;
  outRoot: string;
  keys: SigningKeyPair;
  seed?: number;
  name?: string;
  now?: () => number;
  onProgress?: (msg: string) => void;
}

export interface TrainResult {
  name: string;
  version: number;
  artifactDir: string;
  /** sha256Hex of the manifest.json bytes. */
  artifactId: string;
  manifest: Manifest;
  cv: { baseline: { mean: number; std: number }; linear: { mean: number; std: number } };
  /** In-process prediction (float64 pipeline) for raw rows, same semantics as the ONNX graph. */
  predict(rows: Record<string, number | string | null>[]): number[];
  /** Held-out (test) rows as raw records WITHOUT the target, for replay on a device; never used for fitting. */
  heldOutRows: Record<string, number | string | null>[];
  trainRowCount: number;
  testRowCount: number;
}

interface Fitted {
  pipeline: Pipeline;
  model: LinearModel;
  predict: (rows: readonly RawRecord[]) => Float64Array;
}

export async function trainHousing(opts: TrainHousingOptions): Promise<TrainResult> {
  const seed = opts.seed ?? 42;
  const name = assertId('model', opts.name ?? 'housing');
  const progress = opts.onProgress ?? (() => {});
  const csvBytes = readDataFile(opts.csvPath);
  const ds = parseDataset(csvBytes.toString('utf8'), opts.csvPath, {
    target: HOUSING.target,
    expectNumeric: HOUSING.numeric,
  });
  const split = splitHousing(ds, seed);
  progress(`loaded ${ds.rowCount} rows: ${split.train.length} training, ${split.test.length} held out`);

  const folds = kFold(split.train, HOUSING.folds, seed);
  const cv = {
    baseline: crossValidate(ds, folds, baselineScorer),
    linear: crossValidate(ds, folds, ridgeScorer(HOUSING.alpha)),
  };
  progress(`cv rmse: baseline ${cv.baseline.mean.toFixed(0)}, ridge ${cv.linear.mean.toFixed(0)}`);

  const fitted = fitFinal(ds, split.train);
  const written = writeHousingArtifact(ds, split, cv, fitted, { ...opts, seed, name, csvBytes });
  progress(`wrote ${written.dir}`);
  return {
    name,
    version: written.manifest.version,
    artifactDir: written.dir,
    artifactId: written.artifactId,
    manifest: written.manifest,
    cv: {
      baseline: { mean: cv.baseline.mean, std: cv.baseline.std },
      linear: { mean: cv.linear.mean, std: cv.linear.std },
    },
    predict: (rows) => Array.from(fitted.predict(rows)),
    heldOutRows: split.test.map((r) => rawRecord(ds, r)),
    trainRowCount: split.train.length,
    testRowCount: split.test.length,
  };
}

function splitHousing(ds: Dataset, seed: number): Split {
  const income = ds.features.find((c) => c.name === HOUSING.stratifyOn);
  const values = income?.kind === 'numeric' ? income.values : new Float64Array(ds.rowCount);
  // A missing income falls in category 0 (NaN > cut is false), so such rows still split.
  return stratifiedSplit(Array.from(values, incomeCategory), HOUSING.testFraction, seed);
}

/** Refits the pipeline and ridge on every training row: the model that is exported. */
function fitFinal(ds: Dataset, trainRows: readonly number[]): Fitted {
  const pipeline = fitPipeline(ds, trainRows);
  const model = fitRidge(
    transformRows(pipeline, ds, trainRows),
    pick(ds.target.values, trainRows),
    pipeline.width,
    HOUSING.alpha,
  );
  return { pipeline, model, predict: (rows) => predictLinear(model, transformRecords(pipeline, rows), pipeline.width) };
}

interface WriteOptions extends TrainHousingOptions {
  seed: number;
  name: string;
  csvBytes: Buffer;
}

function writeHousingArtifact(
  ds: Dataset,
  split: Split,
  cv: { baseline: CvScore; linear: CvScore },
  fitted: Fitted,
  o: WriteOptions,
): WrittenArtifact {
  const { pipeline, model } = fitted;
  const parentVersion = latestVersion(o.outRoot, o.name);
  const version = (parentVersion ?? 0) + 1;
  const source = basename(o.csvPath);
  const params = {
    alpha: HOUSING.alpha,
    folds: HOUSING.folds,
    testFraction: HOUSING.testFraction,
    stratifyOn: HOUSING.stratifyOn,
    featureOrder: featureNames(pipeline),
  };
  const card = modelCard({
    name: o.name,
    version,
    target: HOUSING.target,
    source,
    trainRows: split.train.length,
    testRows: split.test.length,
    seed: o.seed,
    folds: HOUSING.folds,
    alpha: HOUSING.alpha,
    featureOrder: params.featureOrder,
    cv,
  });
  const files: ArtifactFile[] = [
    { path: 'model.onnx', role: 'model', bytes: exportLinearOnnx(pipeline, model, o.name) },
    { path: 'card.md', role: 'card', bytes: Buffer.from(card) },
  ];
  const golden = goldenRecords(ds, split.train);
  const trainPredictions = predictLinear(model, transformRows(pipeline, ds, split.train), pipeline.width);
  const unsigned = regressionManifest({
    name: o.name,
    version,
    parentVersion,
    createdAt: (o.now ?? Date.now)(),
    inputs: inputSpecs(ds, pipeline, split.train),
    predictionOutput: PREDICTION_OUTPUT,
    files: files.map(fileEntry),
    metrics: { cv_rmse_baseline: rmseSummary(cv.baseline), cv_rmse_linear: rmseSummary(cv.linear) },
    fingerprint: trainingFingerprint(o.csvBytes, split.train),
    trainRows: split.train.length,
    source,
    golden: goldenExamples(golden, fitted.predict(golden), PREDICTION_OUTPUT),
    reference: buildReference(ds, pipeline, split.train, trainPredictions),
    algorithm: 'ridge',
    seed: o.seed,
    params,
  });
  return writeArtifact(o.outRoot, unsigned, files, o.keys);
}

/** Identifies exactly which rows trained the model: the CSV's hash plus the training row indices. */
export function trainingFingerprint(csvBytes: Uint8Array, trainRows: readonly number[]): string {
  return sha256Hex(`${sha256Hex(csvBytes)}\ntrain:${trainRows.join(',')}`);
}
