/**
 * What every model head shares: the context it is emitted in and the small graph pieces used by
 * several learner families (binary probabilities, constants repeated per row).
 *
 * A head reads the [N, width] float design tensor and returns one tensor:
 *  - regression: the prediction, float [N, 1];
 *  - classification: the class probabilities, float [N, k] (binary: k = 2, column 1 = P(class 1),
 *    column 0 computed directly — σ(−z) or the leaves' own P(class 0) — not as 1 − P(class 1)).
 */
import onnxProto from 'onnx-proto';
import type { Task } from '../../models/learner.ts';
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import type { DenseQuant } from '../dense.ts';
import type { GraphBuilder } from '../graph-builder.ts';
import type { TreeExportOptions } from './tree.ts';

type AttributeProto = onnxProto.onnx.IAttributeProto;

export interface HeadContext {
  g: GraphBuilder;
  task: Task;
  /** Design-matrix width (inputs of the head). */
  width: number;
  /** Number of classes (classification; 2 for binary). */
  classes: number;
  /** Prefix of initializer names; unique per head so ensemble members do not collide. */
  prefix: string;
  /**
   * TENSOR-typed attributes to attach to the node producing a given output (the builder's `Attr`
   * has no tensor kind; `*_as_tensor` attributes are added when the model proto is assembled).
   */
  tensorAttrs: Map<string, AttributeProto[]>;
  /** Weight storage of dense layers (linear, logistic, MLP); default float. */
  quant?: DenseQuant;
  /** How tree ensembles are written (tree.ts); default exact compaction, float32 thresholds. */
  trees?: TreeExportOptions;
}

export function headError(message: string, details: Record<string, unknown> = {}): Error {
  return trainerError(TrainerErrorCodes.ONNX_GRAPH_INVALID, `model head: ${message}`, details);
}

/** A number array from JSON (plain array or typed array), checked for length and finiteness. */
export function numbers(value: unknown, what: string, length?: number): Float64Array {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw headError(`${what} is not a list of numbers`);
  const out = Float64Array.from(value as ArrayLike<number>);
  if (length !== undefined && out.length !== length)
    throw headError(`${what} has ${out.length} values, expected ${length}`, { expected: length, got: out.length });
  for (const v of out) if (!Number.isFinite(v)) throw headError(`${what} holds a non-finite value`);
  return out;
}

/**
 * Binary class probabilities [1 / (1 + eᶻ), 1 / (1 + e⁻ᶻ)] from the logit z [N, 1]. Not the Sigmoid
 * op: onnxruntime's float Sigmoid is a fast approximation with ~1e-7 absolute error, which is a large
 * relative error on a small probability; Exp is accurate to an ulp or two. P(class 0) is computed
 * from −z rather than as 1 − P(class 1), which would cancel.
 */
export function binaryFromLogit(h: HeadContext, z: string): string {
  const g = h.g;
  const negated = g.op('Concat', [z, g.op('Neg', [z], { hint: `${h.prefix}_neg_logit` })], {
    attrs: { axis: { int: 1 } },
    hint: `${h.prefix}_neg_logits`,
  });
  const one = g.floats(`${h.prefix}_one`, [1], []);
  const denominator = g.op('Add', [one, g.op('Exp', [negated], { hint: `${h.prefix}_exp` })], {
    hint: `${h.prefix}_denominator`,
  });
  return g.op('Div', [one, denominator], { hint: `${h.prefix}_probabilities` });
}

/** Column `c` of an [N, k] tensor as [N, 1]. */
export function column(h: HeadContext, x: string, c: number): string {
  const g = h.g;
  const starts = g.ints(`${h.prefix}_col${c}_start`, [c], [1]);
  const ends = g.ints(`${h.prefix}_col${c}_end`, [c + 1], [1]);
  const axes = g.ints(`${h.prefix}_col${c}_axis`, [1], [1]);
  return g.op('Slice', [x, starts, ends, axes], { hint: `${h.prefix}_col${c}` });
}

/** The row vector `values` repeated for each of the N rows of `design`: float [N, values.length]. */
export function constantRows(h: HeadContext, design: string, values: ArrayLike<number>): string {
  const g = h.g;
  const k = values.length;
  const rows = g.op('Shape', [design], { attrs: { start: { int: 0 }, end: { int: 1 } }, hint: `${h.prefix}_rows` });
  const shape = g.op('Concat', [rows, g.ints(`${h.prefix}_width`, [k], [1])], {
    attrs: { axis: { int: 0 } },
    hint: `${h.prefix}_shape`,
  });
  return g.op('Expand', [g.floats(`${h.prefix}_constant`, values, [1, k]), shape], { hint: `${h.prefix}_expanded` });
}

/**
 * The design as a standardised model's first layer takes it: (x − mean) / std per column, as Sub
 * then Div with float32 constants — the arithmetic of the spec pipeline's `scale` step, which the
 * trainer's in-process model (learners/standardize.ts) and the TFLite input transform repeat exactly.
 * A model JSON without `standardize` (not standardised, or saved with μ / σ folded into its first
 * layer) takes the design unchanged.
 */
export function standardizedDesign(h: HeadContext, design: string, json: unknown): string {
  const s = (json as { standardize?: { mean?: unknown; std?: unknown } } | null)?.standardize;
  if (s === undefined || s === null) return design;
  const mean = numbers(s.mean, 'standardize mean', h.width);
  const std = numbers(s.std, 'standardize std', h.width);
  if (std.some((v) => !(Math.fround(v) > 0))) throw headError('standardize std must be > 0');
  const g = h.g;
  const centred = g.op('Sub', [design, g.floats(`${h.prefix}_std_mean`, mean, [1, h.width])], {
    hint: `${h.prefix}_centred`,
  });
  return g.op('Div', [centred, g.floats(`${h.prefix}_std_std`, std, [1, h.width])], {
    hint: `${h.prefix}_standardised`,
  });
}
