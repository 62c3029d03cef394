import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { MlpJSON } from '../models/mlp/mlp.ts';
import type { Pipeline } from '../preprocess/pipeline.ts';
import { writeTflite, type TfliteDense, type TfliteQuant } from './writer.ts';

/**
 * Linear and MLP models as .tflite (issue 4 §4). The graph takes the design vector; the
 * preprocessing travels as a documented input transform (the fitted pipeline as JSON) in the
 * file's Model.metadata under `outpost.input_transform`, which the device applies
 * (device/src/inference/tflite/input-transform.ts — same names, kept in sync by the round-trip
 * test in device/test/engine-tflite.test.ts).
 */
export const TFLITE_TRANSFORM_METADATA = 'outpost.input_transform';
export const TFLITE_TRANSFORM_KIND = 'outpost.tflite-input/1';

export type TfliteSource = { kind: 'linear'; json: { weights: number[]; intercept: number } } | { kind: 'mlp'; json: MlpJSON };

export interface TfliteInputTransform {
  kind: typeof TFLITE_TRANSFORM_KIND;
  numeric: { name: string; median: number; mean: number; std: number }[];
  oneHot: { name: string; categories: string[] }[];
  width: number;
}

export function inputTransform(p: Pipeline): TfliteInputTransform {
  return {
    kind: TFLITE_TRANSFORM_KIND,
    numeric: p.numeric.map((s) => ({ name: s.name, median: s.median, mean: s.mean, std: s.std })),
    oneHot: p.oneHot.map((o) => ({ name: o.name, categories: [...o.categories] })),
    width: p.width,
  };
}

/** The dense layers of a linear or MLP model, regression target scaling folded into the last one. */
export function tfliteLayers(source: TfliteSource): TfliteDense[] {
  if (source.kind === 'linear') {
    const { weights, intercept } = source.json;
    return [{ weights, bias: [intercept], in: weights.length, out: 1, activation: 'identity' }];
  }
  const { layers, yMean, yStd } = source.json;
  return layers.map((l, i) => {
    const out = l.bias.length;
    const last = i === layers.length - 1;
    const s = last && yStd !== undefined ? yStd : 1;
    const m = last && yMean !== undefined ? yMean : 0;
    return { weights: l.weights.map((w) => w * s), bias: l.bias.map((b) => b * s + m), in: l.weights.length / out, out, activation: l.activation };
  });
}

export function exportTflite(p: Pipeline, source: TfliteSource, options: { quant?: TfliteQuant; outputName?: string } = {}): Uint8Array {
  const layers = tfliteLayers(source);
  if (layers[0]?.in !== p.width) {
    throw trainerError(TrainerErrorCodes.TFLITE_MODEL_INVALID, `model takes ${layers[0]?.in} features but the pipeline gives ${p.width}`, { width: p.width });
  }
  const transform = new TextEncoder().encode(JSON.stringify(inputTransform(p)));
  return writeTflite(layers, {
    quant: options.quant ?? 'float',
    outputName: options.outputName ?? 'prediction',
    description: `outpost ${source.kind} (${options.quant ?? 'float'}); input transform in metadata ${TFLITE_TRANSFORM_METADATA}`,
    metadata: { [TFLITE_TRANSFORM_METADATA]: transform },
  });
}
