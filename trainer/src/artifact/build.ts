/**
 * A `TrainedModel` as a signed artifact folder `<outRoot>/<name>/<version>/`: model.onnx (preprocessing + model, onnx/export-model.ts), model.tflite for
 * linear, logistic and MLP models (tflite/artifact-tflite.ts), card.md and
 * manifest.json (inputs, outputs, golden examples, reference profile, metrics, training-data
 * fingerprint, trainer facts, sha256 of every file, ed25519 signature).
 *
 * Reproducible: every file is a pure function of the TrainedModel, the key, the version and `now`
 * (ONNX serialisation is deterministic, the card has no clock, the manifest is canonical JSON and
 * ed25519 signatures are deterministic) — building twice gives the same bytes, from any checkout
 * folder (the data source is recorded relative to the spec file). Model files and the
 * int8-or-float decision come from quantized.ts (run in onnxruntime-web, hence async); the golden
 * examples are the trainer's in-process outputs, and the build fails when the exported bytes
 * disagree with them (goldens.ts); measured latencies stay out of the signed bytes, in
 * `BuiltArtifact.report`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  MANIFEST_SCHEMA,
  type Manifest,
  type SigningKeyPair,
  type UnsignedManifest,
  CliErrorCodes,
} from '@outpost/protocol';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { modelOutputs, outputSpecs, predictionOutputOf } from '../onnx/model-outputs.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import { specModelCard } from './model-card.ts';
import { checkedGolden } from './goldens.ts';
import { modelFiles, type LatencyMeasure, type QuantizationReport } from './quantized.ts';
import { tfliteArtifact, type TfliteReport } from '../tflite/artifact-tflite.ts';
import { referenceFromRecords } from './record-reference.ts';
import { latestVersion } from './versions.ts';
import { fileEntry, writeArtifact, type ArtifactFile } from './write-artifact.ts';

export interface BuildArtifactOptions {
  outRoot: string;
  keys: SigningKeyPair;
  /** Creation time (ms since the epoch or a Date); default the clock. Fix it for reproducible bytes. */
  now?: number | Date;
  /** Version to write; default the latest under `<outRoot>/<name>/` + 1. */
  version?: number;
  /** Batch-1 latency measurement for the build report (default: onnxruntime-web, 200 runs); false skips it. */
  measureLatency?: LatencyMeasure | false;
}

export interface BuiltArtifact {
  artifactDir: string;
  /** sha256 of the manifest.json bytes. */
  artifactId: string;
  manifest: Manifest;
  /** Unsigned build report: int8 vs float figures (with latencies) and why one shipped. */
  report: QuantizationReport;
  /** Whether model.tflite was written (linear, logistic, MLP), and why not otherwise. */
  tflite: TfliteReport;
}

/** The highest existing version below `version` (the parent), or null. */
function parentOf(outRoot: string, name: string, version: number): number | null {
  for (let v = version - 1; v >= 1; v--) if (existsSync(join(outRoot, name, String(v)))) return v;
  return null;
}

/** The unsigned manifest and the files it lists, without touching the disk. */
export async function artifactContents(
  t: TrainedModel,
  o: { version: number; parentVersion: number | null; createdAt: number; measureLatency?: LatencyMeasure | false },
): Promise<{ unsigned: UnsignedManifest; files: ArtifactFile[]; report: QuantizationReport; tflite: TfliteReport }> {
  const model = await modelFiles(t, o.measureLatency === undefined ? {} : { measureLatency: o.measureLatency });
  // model.tflite mirrors the shipped model.onnx (float or int8 weights), so the golden examples hold for it too.
  const tflite = tfliteArtifact(t, model.shipped);
  const metrics = { ...t.metrics, ...model.metrics, ...tflite.metrics };
  // Binary: the `label` output's cut, tuned on the validation rows (run/threshold.ts).
  if (t.task === 'binary' && t.threshold !== undefined)
    metrics.decision_threshold = { metric: 'threshold', value: t.threshold };
  const outputs = outputSpecs(t);
  const predictionOutput = predictionOutputOf(t.task);
  const trainPredictions = (modelOutputs(t, t.trainRecords)[predictionOutput] ?? []).map((row) => row[0] as number);
  const trainingData = { fingerprint: t.dataFingerprint, rows: t.trainRecords.length, source: t.dataSource };
  const card =
    specModelCard(t, { version: o.version, parentVersion: o.parentVersion, outputs, metrics, trainingData }) +
    model.cardSection +
    tflite.cardSection;
  const files: ArtifactFile[] = [
    ...model.files,
    ...tflite.files,
    { path: 'card.md', role: 'card', bytes: Buffer.from(card, 'utf8') },
  ];
  const unsigned: UnsignedManifest = {
    schema: MANIFEST_SCHEMA,
    name: t.name,
    version: o.version,
    parentVersion: o.parentVersion,
    createdAt: new Date(o.createdAt).toISOString(),
    task: t.task,
    inputs: t.inputs,
    outputs,
    predictionOutput,
    files: files.map(fileEntry),
    metrics,
    trainingData,
    golden: await checkedGolden(t, model),
    reference: referenceFromRecords(t.trainRecords, t.inputs, trainPredictions),
    trainer: { algorithm: t.model.kind, seed: t.seed, params: t.params },
  };
  return { unsigned, files, report: model.report, tflite: tflite.report };
}

export async function buildArtifact(t: TrainedModel, o: BuildArtifactOptions): Promise<BuiltArtifact> {
  const version = o.version ?? (latestVersion(o.outRoot, t.name) ?? 0) + 1;
  if (!Number.isSafeInteger(version) || version < 1)
    throw trainerError(CliErrorCodes.CLI_ARGS, `artifact version must be an integer ≥ 1, got ${version}`, {
      field: 'version',
      value: version,
    });
  const dir = join(o.outRoot, t.name, String(version));
  if (existsSync(dir))
    throw trainerError(TrainerErrorCodes.ARTIFACT_VERSION_EXISTS, `${dir} already exists; artifacts are immutable`, {
      dir,
      version,
    });
  const createdAt = o.now === undefined ? Date.now() : typeof o.now === 'number' ? o.now : o.now.getTime();
  const parentVersion = parentOf(o.outRoot, t.name, version);
  const { unsigned, files, report, tflite } = await artifactContents(t, {
    version,
    parentVersion,
    createdAt,
    ...(o.measureLatency !== undefined ? { measureLatency: o.measureLatency } : {}),
  });
  const written = writeArtifact(o.outRoot, unsigned, files, o.keys);
  return { artifactDir: written.dir, artifactId: written.artifactId, manifest: written.manifest, report, tflite };
}
