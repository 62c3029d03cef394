import {
  OutpostError,
  PipelineErrorCodes,
  TFLITE_TRANSFORM_METADATA,
  applyPipeline,
  graphOutputOf,
  isOutpostError,
  parseInputTransform,
  type FeatureValue,
  type InputTransform,
} from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from '../../errors.ts';
import type { OutputData } from '../engine.ts';

/**
 * The input transform of a TFLite artifact (`InputTransform` of @outpost/protocol, format
 * `outpost-input-transform/1`; docs/ARCHITECTURE.md "Input transform"): the .tflite graph takes the
 * design vector, and this is the trainer's fitted preprocessing as data. Every step is applied with
 * the protocol's functions — the very ones the trainer fits with — in float32, rounded after each
 * operation, as the ONNX graph computes: raw rows are read as the onnxruntime engine feeds them
 * (numbers → float32, non-finite or non-numbers missing; strings as given, numbers as String(),
 * anything else missing), then each step in order, then the design columns in order.
 *
 * The graph's single output becomes the manifest's outputs: `prediction` (regression), or
 * `probabilities` plus `label` (int64 like onnxruntime's): binary 1 when float32 P(class 1) ≥ the
 * threshold, multiclass the first index of the maximum.
 *
 * It travels inside the .tflite file as Model.metadata entry `outpost.input_transform` (UTF-8 JSON),
 * so the signed model file alone says how to feed it.
 */
export { TFLITE_TRANSFORM_METADATA };

/**
 * Parses the metadata bytes. Missing, non-JSON or malformed → OUTPOST_ERR_MODEL_LOAD; a step kind
 * this device cannot apply (a pipeline from a newer trainer) → OUTPOST_ERR_PIPELINE_STEP_UNKNOWN.
 */
export function readInputTransform(bytes: Uint8Array | undefined, label: string): InputTransform {
  if (!bytes)
    throw deviceError(
      DeviceErrorCodes.MODEL_LOAD,
      `${label}: the .tflite file has no ${TFLITE_TRANSFORM_METADATA} metadata`,
    );
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw deviceError(DeviceErrorCodes.MODEL_LOAD, `${label}: ${TFLITE_TRANSFORM_METADATA} is not JSON`, { cause });
  }
  try {
    return parseInputTransform(value);
  } catch (err) {
    if (isOutpostError(err, PipelineErrorCodes.STEP_UNKNOWN)) {
      // Keep the code: "update the device" is a different remedy from "the file is broken".
      throw new OutpostError(err.code, `${label}: ${err.message}`, { cause: err, details: { ...err.details } });
    }
    throw deviceError(
      DeviceErrorCodes.MODEL_LOAD,
      `${label}: invalid ${TFLITE_TRANSFORM_METADATA}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** The raw features the transform reads (they must be manifest inputs). */
export function transformInputs(t: InputTransform): string[] {
  return t.pipeline.inputs.map((i) => i.name);
}

/** Width of the design vector the graph takes. */
export function transformWidth(t: InputTransform): number {
  return t.pipeline.features.length;
}

/** The graph output name and its width per row. */
export function graphOutput(t: InputTransform): { name: string; width: number } {
  const o = t.output;
  return { name: graphOutputOf(o), width: o.task === 'regression' ? 1 : o.task === 'binary' ? 2 : o.classes };
}

/** The design matrix of raw rows, row-major float32 [rows.length × width]. */
export function designRows(
  t: InputTransform,
  rows: readonly Readonly<Record<string, FeatureValue | undefined>>[],
): Float32Array {
  return applyPipeline(t.pipeline, rows);
}

/** The manifest's outputs from the graph output of n rows (row-major), and the prediction per row. */
export function outputsOf(
  t: InputTransform,
  graph: Float32Array,
  n: number,
): { outputs: Record<string, OutputData>; predictions: number[] } {
  const o = t.output;
  if (o.task === 'regression') return { outputs: { [o.prediction]: graph }, predictions: Array.from(graph) };
  const k = graph.length / n;
  const label = new BigInt64Array(n);
  const cut = Math.fround(o.task === 'binary' ? o.threshold : 0);
  for (let r = 0; r < n; r++) {
    if (o.task === 'binary') {
      label[r] = (graph[r * k + 1] as number) >= cut ? 1n : 0n;
      continue;
    }
    let best = 0;
    for (let c = 1; c < k; c++) if ((graph[r * k + c] as number) > (graph[r * k + best] as number)) best = c;
    label[r] = BigInt(best);
  }
  return { outputs: { [o.probabilities]: graph, [o.label]: label }, predictions: Array.from(label, Number) };
}
