import {
  INPUT_TRANSFORM_FORMAT,
  PipelineErrorCodes,
  TFLITE_TRANSFORM_METADATA,
  isOutpostError,
  parsePipeline,
  type FittedPipeline,
  type InputTransform,
  type OutputTransform,
  type PipelineStep,
} from '@outpost/protocol';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { descriptorOf, TFLITE_KINDS, tfliteLayersOf } from '../learners/registry.ts';
import type { LinearSaved, LogisticSaved, MlpSaved, SavedModel } from '../model/saved.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import type { Task } from '../models/learner.ts';
import { LABEL, PREDICTION, PROBABILITIES, classCountOf, labelThreshold } from '../onnx/export-model.ts';
import type { SpecPipeline } from '../preprocess/spec-pipeline.ts';
import { onnxDenseLayers, type OnnxDense } from './onnx-dense.ts';
import { writeTflite, type TfliteDense, type TfliteQuant } from './writer.ts';

/**
 * Linear, logistic and MLP models as .tflite — the learner families whose descriptor has
 * `tfliteLayers` (learners/registry.ts). The graph takes the design vector
 * (FULLY_CONNECTED layers, writer.ts); the preprocessing travels as the input transform
 * (`InputTransform` of @outpost/protocol: the fitted pipeline as JSON plus how the graph output
 * becomes the manifest's outputs) in the file's Model.metadata under `outpost.input_transform`.
 * The device parses it and applies every step with the same code the trainer fits them with
 * (protocol/src/pipeline), then runs the graph (device/src/inference/tflite/).
 *
 * Only step kinds the protocol can apply are accepted: a pipeline with another kind (e.g. one
 * added to the trainer first) is refused with OUTPOST_ERR_TFLITE_MODEL_INVALID, so no artifact
 * ships a transform its devices cannot run.
 *
 * A logistic or MLP model fitted on standardised inputs (`standardize: { mean, std }` in its saved
 * form, learners/standardize.ts) keeps its weights as learned; its standardisation becomes one more `scale`
 * step at the end of the transform's pipeline (over every design column), which the device
 * computes as the ONNX head's Sub / Div: f32(f32(x − mean) / std), float32 constants.
 */
export { TFLITE_TRANSFORM_METADATA };

/** A standardised model's input scaling (its saved form's `standardize`). */
export interface TfliteStandardize {
  mean: readonly number[];
  std: readonly number[];
}

/** The saved forms of the families with a .tflite form. */
export type TfliteSource = LinearSaved | LogisticSaved | MlpSaved;

function invalid(message: string, details: Record<string, unknown> = {}): Error {
  return trainerError(TrainerErrorCodes.TFLITE_MODEL_INVALID, message, details);
}

/**
 * The pipeline as the device will read it, checked by the device's own parser (protocol
 * `parsePipeline`): a step kind it cannot apply, or a malformed constant, fails here.
 */
export function devicePipeline(p: SpecPipeline, standardize?: TfliteStandardize): FittedPipeline {
  const candidate = standardize ? withStandardize(p, standardize) : p;
  try {
    return parsePipeline(JSON.parse(JSON.stringify(candidate)) as unknown, 'TFLite input transform');
  } catch (err) {
    if (isOutpostError(err, PipelineErrorCodes.STEP_UNKNOWN)) {
      const known = new Set((err.details.known as string[] | undefined) ?? []);
      const unknown = [...new Set(candidate.steps.map((s) => s.op).filter((op) => !known.has(op)))];
      throw invalid(`the preprocessing has step kinds the device transform cannot apply: ${unknown.join(', ')}`, {
        steps: unknown,
        reason: 'pipeline-step-unsupported',
      });
    }
    throw invalid(`the preprocessing cannot be written as a device input transform: ${(err as Error).message}`, {
      reason: 'pipeline-invalid',
    });
  }
}

/** The pipeline with a model's standardisation appended as a `scale` step over every design column. */
function withStandardize(p: SpecPipeline, s: TfliteStandardize): FittedPipeline {
  const width = p.features.length;
  if (s.mean.length !== width || s.std.length !== width) {
    throw invalid(`the model standardises ${s.mean.length} columns but the pipeline gives ${width}`, {
      width,
      reason: 'standardize-width',
    });
  }
  const scale: PipelineStep = {
    op: 'scale',
    mean: s.mean.map((v) => Math.fround(v)),
    std: s.std.map((v) => Math.fround(v)),
  };
  return { ...(p as FittedPipeline), steps: [...(p.steps as PipelineStep[]), scale] };
}

export function inputTransform(
  p: SpecPipeline,
  output: OutputTransform = { task: 'regression', prediction: PREDICTION },
  standardize?: TfliteStandardize,
): InputTransform {
  return { format: INPUT_TRANSFORM_FORMAT, pipeline: devicePipeline(p, standardize), output };
}

/** The saved form's `standardize`, when it has one. */
function standardizeOf(saved: SavedModel): TfliteStandardize | undefined {
  return 'standardize' in saved ? saved.standardize : undefined;
}

/**
 * The dense layers of a model with a .tflite form: regression target scaling folded into the last
 * layer (as the ONNX head does); a binary model's last layer is its logit with the 'binary' head;
 * multiclass ends in softmax. OUTPOST_ERR_TFLITE_MODEL_INVALID for a family without one.
 */
export function tfliteLayers(saved: SavedModel, task: Task = 'regression'): TfliteDense[] {
  const layers = tfliteLayersOf(saved, task);
  if (!layers)
    throw invalid(`no .tflite export for learner ${saved.kind}`, { kind: saved.kind, reason: 'kind-unsupported' });
  return layers;
}

export interface TfliteExportOptions {
  /** Weight storage (writer.ts); default 'float'. */
  quant?: TfliteQuant;
  task?: Task;
  /** Binary: the decision threshold of the `label` output (default 0.5). */
  threshold?: number;
  /** Multiclass: the number of classes. */
  classes?: number;
  description?: string;
  /**
   * The model's input standardisation, appended to the transform as a `scale` step (default: the
   * source's `standardize`, when the source is a saved model).
   */
  standardize?: TfliteStandardize;
}

function outputTransform(o: TfliteExportOptions): OutputTransform {
  const task = o.task ?? 'regression';
  if (task === 'regression') return { task, prediction: PREDICTION };
  if (task === 'binary')
    return { task, probabilities: PROBABILITIES, label: LABEL, threshold: Math.fround(o.threshold ?? 0.5) };
  if (o.classes === undefined || o.classes < 2) throw invalid('a multiclass model needs its class count');
  return { task, probabilities: PROBABILITIES, label: LABEL, classes: o.classes };
}

export function exportTflite(
  p: SpecPipeline,
  source: SavedModel | TfliteDense[],
  options: TfliteExportOptions = {},
): Uint8Array {
  const task = options.task ?? 'regression';
  const layers = Array.isArray(source) ? source : tfliteLayers(source, task);
  const kind = Array.isArray(source) ? 'dense' : source.kind;
  const standardize = options.standardize ?? (Array.isArray(source) ? undefined : standardizeOf(source));
  const transform = inputTransform(p, outputTransform(options), standardize);
  const width = transform.pipeline.features.length;
  if (layers[0]?.in !== width)
    throw invalid(`model takes ${layers[0]?.in} features but the pipeline gives ${width}`, { width });
  const last = layers[layers.length - 1] as TfliteDense;
  const want = transform.output.task === 'multiclass' ? transform.output.classes : 1;
  if (last.out !== want)
    throw invalid(`the model has ${last.out} outputs, the ${task} task needs ${want}`, { outputs: last.out });
  const quant = options.quant ?? 'float';
  return writeTflite(layers, {
    quant,
    outputName: task === 'regression' ? PREDICTION : PROBABILITIES,
    description:
      options.description ??
      `outpost ${kind} (${task}, ${quant} weights); input transform in metadata ${TFLITE_TRANSFORM_METADATA}`,
    metadata: { [TFLITE_TRANSFORM_METADATA]: new TextEncoder().encode(JSON.stringify(transform)) },
  });
}

export type TfliteExportable = Pick<TrainedModel, 'name' | 'task' | 'pipeline' | 'model' | 'classes' | 'threshold'>;

/** Why the model has no .tflite form (a sentence for the card and report), or null when it has one. */
export function tfliteUnsupportedReason(t: TfliteExportable): string | null {
  if (!TFLITE_KINDS.includes(t.model.kind)) {
    const labels = TFLITE_KINDS.map((k) => descriptorOf(k)?.label ?? k);
    const list = `${labels.slice(0, -1).join(', ')} and ${labels.at(-1) ?? ''}`;
    return `the .tflite export covers ${list} models, not ${t.model.kind}`;
  }
  try {
    devicePipeline(t.pipeline);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

export interface ModelTfliteOptions {
  /**
   * The model's exported ONNX bytes: the layers then take that file's weights and biases as its
   * graph computes them (int8 weights kept int8), so the .tflite mirrors it exactly (onnx-dense.ts).
   * Without it the weights come from the model's JSON, stored as `quant` says.
   */
  onnx?: Uint8Array;
  quant?: TfliteQuant;
}

/** A trained model with a .tflite form as .tflite, with its preprocessing as the input transform. */
export function exportModelTflite(t: TfliteExportable, options: ModelTfliteOptions = {}): Uint8Array {
  const json = t.model.toJSON();
  let layers = tfliteLayers(json, t.task);
  if (options.onnx) layers = withOnnxWeights(layers, onnxDenseLayers(options.onnx));
  const quant = options.quant ?? 'float';
  const weights = layers.some((l) => l.int8) ? 'int8' : quant;
  return exportTflite(t.pipeline, layers, {
    quant,
    task: t.task,
    ...(t.task === 'binary' ? { threshold: labelThreshold(t) } : {}),
    ...(t.task === 'multiclass' ? { classes: classCountOf(t) } : {}),
    ...(standardizeOf(json) ? { standardize: standardizeOf(json) as TfliteStandardize } : {}),
    description: `${t.name}: ${t.model.kind} (${t.task}), ${weights} weights; the raw features go through the input transform in metadata ${TFLITE_TRANSFORM_METADATA}`,
  });
}

/** The layers with the ONNX file's own weights and biases (same count and shapes required). */
function withOnnxWeights(layers: readonly TfliteDense[], onnx: readonly OnnxDense[]): TfliteDense[] {
  const shapes = (ls: readonly { in: number; out: number }[]): string => ls.map((l) => `${l.in}→${l.out}`).join(', ');
  if (onnx.length !== layers.length || layers.some((l, i) => l.in !== onnx[i]?.in || l.out !== onnx[i]?.out)) {
    throw invalid(`the ONNX model's dense layers (${shapes(onnx)}) are not the model's (${shapes(layers)})`, {
      reason: 'onnx-structure',
    });
  }
  return layers.map((l, i) => {
    const o = onnx[i] as OnnxDense;
    return { ...l, weights: o.weights, bias: o.bias, ...(o.int8 ? { int8: o.int8 } : {}) };
  });
}
