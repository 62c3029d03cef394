/**
 * The input transform of a model file that takes the design vector rather than raw features (the
 * .tflite artifact): the fitted pipeline as JSON, plus how the file's output becomes the manifest's
 * outputs. The trainer writes it (trainer/src/tflite/export-tflite.ts) into the file itself, so the
 * signed file alone says how to feed it; the device parses it and applies it before the graph
 * (device/src/inference/tflite/). Documented in docs/ARCHITECTURE.md "Input transform".
 */
import { z } from 'zod';
import { validate } from '../decode.ts';
import { parsePipeline } from './schema.ts';
import type { FittedPipeline } from './pipeline.ts';

export const INPUT_TRANSFORM_FORMAT = 'outpost-input-transform/1';
/** The .tflite Model.metadata entry holding the transform (UTF-8 JSON). */
export const TFLITE_TRANSFORM_METADATA = 'outpost.input_transform';

/**
 * How the graph's single output maps to the manifest's outputs:
 *  - regression: the graph output `prediction` [1, 1] is the prediction;
 *  - binary: the graph output `probabilities` [1, 2] (column 1 = P(class 1)); `label` (int64) is
 *    1 exactly when float32 P(class 1) ≥ float32 `threshold`;
 *  - multiclass: the graph output `probabilities` [1, k]; `label` is the first index of the maximum.
 */
export type OutputTransform =
  | { task: 'regression'; prediction: string }
  | { task: 'binary'; probabilities: string; label: string; threshold: number }
  | { task: 'multiclass'; probabilities: string; label: string; classes: number };

export interface InputTransform {
  format: typeof INPUT_TRANSFORM_FORMAT;
  pipeline: FittedPipeline;
  output: OutputTransform;
}

const Name = z.string().min(1).max(128);
const OutputSchema = z.discriminatedUnion('task', [
  z.strictObject({ task: z.literal('regression'), prediction: Name }),
  z.strictObject({ task: z.literal('binary'), probabilities: Name, label: Name, threshold: z.number().finite() }),
  z.strictObject({ task: z.literal('multiclass'), probabilities: Name, label: Name, classes: z.number().int().min(2) }),
]);
const Envelope = z.strictObject({
  format: z.literal(INPUT_TRANSFORM_FORMAT),
  pipeline: z.unknown(),
  output: OutputSchema,
});

/**
 * An input transform from untrusted JSON: OUTPOST_ERR_SCHEMA_INVALID when malformed,
 * OUTPOST_ERR_PIPELINE_STEP_UNKNOWN when a step's kind is not one this runtime applies.
 */
export function parseInputTransform(value: unknown): InputTransform {
  const envelope = validate(Envelope, value, 'input transform');
  return {
    format: envelope.format,
    pipeline: parsePipeline(envelope.pipeline, 'input transform pipeline'),
    output: envelope.output,
  };
}

/** The graph output name the transform reads. */
export function graphOutputOf(output: OutputTransform): string {
  return output.task === 'regression' ? output.prediction : output.probabilities;
}
