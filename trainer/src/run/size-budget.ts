/**
 * The spec's `constraints.max_model_bytes`: a Pi-class device has a few hundred MB for everything,
 * and a stacking ensemble with a 100-tree forest member exports to 55 MB (onnxruntime-web needed
 * about 1 GB to run it). Each candidate the run
 * could choose is exported once (float, from its train-only fit, preprocessing included) and one
 * over the budget is not chosen. The final refit on train + validation grows trees a little, so the
 * figure is an estimate of the shipped size; int8 dense layers only make it smaller.
 */
import type { FittedModel } from '../models/learner.ts';
import { exportModelOnnx } from '../onnx/export-model.ts';
import type { SpecPipeline } from '../preprocess/spec-pipeline.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';

/** The float model.onnx of a row's train-only fit, as the budgets judge it. */
export function modelOnnx(
  spec: ProblemSpec,
  pipeline: SpecPipeline,
  model: FittedModel,
  classes?: string[],
  threshold?: number,
): Uint8Array {
  return exportModelOnnx({
    name: spec.name,
    task: spec.task,
    pipeline,
    model,
    ...(classes ? { classes } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
  });
}

/** True when the spec sets no budget or `bytes` is within it. */
export function withinBudget(spec: ProblemSpec, bytes: number): boolean {
  const max = spec.constraints?.max_model_bytes;
  return max === undefined || bytes <= max;
}
