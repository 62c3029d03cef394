/**
 * The model a run ships, kept in the run folder: `model.onnx` — the exact bytes an artifact built
 * from this run carries (float, or int8 when the quantization rule lets it ship; then
 * `model-float.onnx` beside it), `quantization.json` (why that variant), and `trained-model.json`:
 * with the run's `model.json` (the saved model, not repeated here), everything
 * `outpost build --from <run>` needs to write the signed artifact without training again (the
 * pipeline, the training and validation records, the metrics).
 *
 * `outpost test` evaluates `model.onnx` in onnxruntime-web, as a device runs it, so the test figure
 * is the figure of the bytes that ship; the artifact builder produces the same bytes from
 * trained-model.json (modelFiles is a pure function of the trained model).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { modelFiles, type QuantizationReport } from '../artifact/quantized.ts';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import { reviveSaved, typedArraysAsArrays, type RunModelFile } from './revive.ts';
import { RUN_FILES } from './run-dir.ts';

export const RUN_ARTIFACT_FILES = {
  onnx: 'model.onnx',
  quantization: 'quantization.json',
  trained: 'trained-model.json',
} as const;

const FORMAT = 'outpost-trained-model/1';

interface TrainedModelFile extends Omit<TrainedModel, 'model' | 'validation'> {
  format: typeof FORMAT;
  validation: { records: TrainedModel['validation']['records']; y: number[] };
}

/** Writes model.onnx (and model-float.onnx), quantization.json and trained-model.json into `runDir`. */
export async function writeRunArtifact(runDir: string, t: TrainedModel): Promise<QuantizationReport> {
  const dir = resolve(runDir);
  const files = await modelFiles(t, { measureLatency: false });
  for (const f of files.files) writeFileSync(join(dir, f.path), f.bytes);
  writeFileSync(join(dir, RUN_ARTIFACT_FILES.quantization), `${JSON.stringify(files.report, null, 2)}\n`);
  // The model itself is in model.json (run-dir.ts saveRun).
  const { model: _model, validation, ...rest } = t;
  const file: TrainedModelFile = {
    format: FORMAT,
    ...rest,
    validation: { records: validation.records, y: Array.from(validation.y) },
  };
  writeFileSync(join(dir, RUN_ARTIFACT_FILES.trained), JSON.stringify(file, typedArraysAsArrays));
  return files.report;
}

/** The shipped model.onnx bytes of a run, or undefined for a run written before runs kept one. */
export function runOnnx(runDir: string): Uint8Array | undefined {
  const path = join(resolve(runDir), RUN_ARTIFACT_FILES.onnx);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

/** The trained model of a run folder, as `outpost build --from` builds it. */
export function loadTrainedModel(runDir: string): TrainedModel {
  const path = join(resolve(runDir), RUN_ARTIFACT_FILES.trained);
  if (!existsSync(path))
    throw trainerError(
      TrainerErrorCodes.RUN_INVALID,
      `${path}: missing — was ${runDir} written by outpost train (a run that kept its model)?`,
      { file: path },
    );
  let file: TrainedModelFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as TrainedModelFile;
  } catch (cause) {
    throw trainerError(TrainerErrorCodes.RUN_INVALID, `${path}: not valid JSON`, { file: path }, cause);
  }
  if (file.format !== FORMAT)
    throw trainerError(TrainerErrorCodes.RUN_INVALID, `${path}: unknown format ${String(file.format)}`, { file: path });
  const { format: _f, validation, ...rest } = file;
  const modelPath = join(resolve(runDir), RUN_FILES.model);
  let saved: RunModelFile;
  try {
    saved = JSON.parse(readFileSync(modelPath, 'utf8')) as RunModelFile;
  } catch (cause) {
    throw trainerError(
      TrainerErrorCodes.RUN_INVALID,
      `${modelPath}: missing or not valid JSON`,
      { file: modelPath },
      cause,
    );
  }
  return {
    ...rest,
    model: reviveSaved(saved),
    validation: { records: validation.records, y: Float64Array.from(validation.y) },
  };
}
