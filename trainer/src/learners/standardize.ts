/**
 * Fit on standardised inputs and keep the standardisation explicit. Logistic regression (L-BFGS)
 * and the MLP (Adam) need features of comparable scale, but a spec need not declare a `scale` step
 * (trees do not want one). `standardized(learner)` fits the learner on (x − μ) / σ of the training
 * design and returns a `StandardizedModel`: the learner's model with its weights as learned (on
 * standardised inputs) plus the training μ / σ, applied before it at predict. Its toJSON is the
 * learner's with `standardize: { mean, std }`; the exporters emit the standardisation as graph
 * nodes (ONNX: Sub then Div before the first dense layer, heads/common.ts) or as a `scale` step
 * appended to the device input transform (TFLite), so int8 quantization sees well-scaled weights.
 *
 * Arithmetic: μ and σ are float32 numbers and each row is standardised as the graph does it,
 * f32(f32(x − μ) / σ) — the spec pipeline's `scale` step (protocol/src/pipeline/steps/scale.ts) —
 * so on a float32 design the in-process model sees bit for bit the inputs the ONNX graph and the
 * TFLite input transform give its first layer.
 *
 * Models saved before this (no `standardize` field) had μ / σ folded into the first layer
 * (w' = w/σ, b' = b − Σ μ·w/σ); the logistic and MLP descriptors' `fold` still produce that form
 * (`foldInto`), for comparisons.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { LogisticSaved, MlpSaved, StandardisationJSON } from '../model/saved.ts';
import type { FitContext, FittedModel, Learner, Matrix } from '../models/learner.ts';

const f32 = Math.fround;

export interface Standardisation {
  /** Float32 values, one per design column. */
  mean: Float64Array;
  /** Float32 values > 0, one per design column. */
  std: Float64Array;
}

/** Training mean and population std of each column, as float32 (a zero or non-finite std → 1). */
export function standardisation(x: Matrix): Standardisation {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (data[i * cols + j] as number);
  for (let j = 0; j < cols; j++) mean[j] = rows > 0 ? (mean[j] as number) / rows : 0;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      std[j] = (std[j] as number) + ((data[i * cols + j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < cols; j++) {
    const s = f32(rows > 0 ? Math.sqrt((std[j] as number) / rows) : 0);
    std[j] = s > 0 && Number.isFinite(s) ? s : 1;
    const m = f32(mean[j] as number);
    mean[j] = Number.isFinite(m) ? m : 0;
  }
  return { mean, std };
}

/** f32(f32(x − μ) / σ) per value: what Sub then Div compute in float32. */
export function applyStandardisation(x: Matrix, s: Standardisation): Matrix {
  const { cols } = x;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < cols; j++)
      out[i * cols + j] = f32(f32((x.data[i * cols + j] as number) - (s.mean[j] as number)) / (s.std[j] as number));
  }
  return { data: out, rows: x.rows, cols };
}

/** The saved forms that may carry a `standardize` field. */
export type StandardizableSaved = LogisticSaved | MlpSaved;

/** A model fitted on standardised inputs, applied to raw design rows. Its kind is the learner's. */
export class StandardizedModel<S extends StandardizableSaved = StandardizableSaved> implements FittedModel<S> {
  readonly kind: S['kind'];

  constructor(
    readonly inner: FittedModel<S>,
    readonly standardisation: Standardisation,
  ) {
    this.kind = inner.kind;
  }

  predict(x: Matrix): Float64Array {
    return this.inner.predict(applyStandardisation(x, this.standardisation));
  }

  toJSON(): S {
    return {
      ...this.inner.toJSON(),
      standardize: {
        mean: Array.from(this.standardisation.mean),
        std: Array.from(this.standardisation.std),
      } satisfies StandardisationJSON,
    };
  }
}

/**
 * The `standardize` field of a saved model's JSON, or null when there is none (a model saved in the
 * folded form). OUTPOST_ERR_RUN_MODEL_UNKNOWN when it is present but malformed.
 */
export function standardisationOf(json: unknown, kind: string): Standardisation | null {
  const field = (json as { standardize?: unknown } | null)?.standardize;
  if (field === undefined || field === null) return null;
  const { mean, std } = field as { mean?: unknown; std?: unknown };
  const list = (v: unknown): v is number[] =>
    Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!list(mean) || !list(std) || mean.length !== std.length || std.some((s) => !(f32(s) > 0))) {
    throw trainerError(
      TrainerErrorCodes.RUN_MODEL_UNKNOWN,
      `a standardised ${kind} model needs \`standardize\` with equal-length finite mean and positive std lists`,
      { kind },
    );
  }
  return { mean: Float64Array.from(mean, f32), std: Float64Array.from(std, f32) };
}

/** Folds the scaling into in × out row-major weights and their biases, in place. */
export function foldInto(weights: Float64Array, bias: Float64Array, cols: number, s: Standardisation): void {
  const out = bias.length;
  for (let j = 0; j < cols; j++) {
    const sd = s.std[j] as number;
    const mu = s.mean[j] as number;
    for (let o = 0; o < out; o++) {
      const w = (weights[j * out + o] as number) / sd;
      weights[j * out + o] = w;
      bias[o] = (bias[o] as number) - mu * w;
    }
  }
}

/** The learner fitted on (x − μ) / σ of its training design, its model a `StandardizedModel`. */
export function standardized<P extends object>(learner: Learner<P>): Learner<P> {
  return {
    name: learner.name,
    tasks: learner.tasks,
    defaults: learner.defaults,
    async fit(x, y, params, ctx) {
      const s = standardisation(x);
      const validation = ctx.validation
        ? { x: applyStandardisation(ctx.validation.x, s), y: ctx.validation.y }
        : undefined;
      const inner: FitContext = { ...ctx };
      delete inner.validation;
      if (validation) inner.validation = validation;
      const model = await learner.fit(applyStandardisation(x, s), y, params, inner);
      // Only the logistic and MLP descriptors wrap their learner (needsStandardize).
      return new StandardizedModel(model as FittedModel<StandardizableSaved>, s);
    },
  };
}
