/**
 * Ensemble heads, every member's head on the same design tensor:
 *  - averaging (kind 'averaging'): the weighted average Σ wᵢ·yᵢ with the weights normalised to
 *    sum to 1 (regression values or class probabilities, [N, 1] or [N, k]);
 *  - stacking (kind 'stacking', learners/stacking/model.ts): the members' values / P(class 1) / class
 *    probabilities → Concat → the meta-learner's MatMul + Add, then [σ(−z), σ(z)] for binary
 *    (binaryFromLogit, accurate for small probabilities) or Softmax for multiclass. The meta layer
 *    is a plain float32 MatMul + Add whatever the members' quantization: a handful of weights.
 */
import type { AveragingSaved, SavedModel, StackingSaved } from '../../model/saved.ts';
import { binaryFromLogit, column, headError, numbers, type HeadContext } from './common.ts';

/** Emits one member's head (the registry's dispatch, passed in). */
export type EmitHead = (h: HeadContext, design: string, saved: SavedModel) => string;

export function ensembleWeights(members: readonly { weight: number }[]): number[] {
  const total = members.reduce((s, m) => s + m.weight, 0);
  if (!members.every((m) => Number.isFinite(m.weight) && m.weight >= 0) || !(total > 0))
    throw headError('ensemble weights must be ≥ 0 with a positive sum');
  return members.map((m) => m.weight / total);
}

export function averagingHead(h: HeadContext, design: string, saved: AveragingSaved, emit: EmitHead): string {
  const members = saved.members;
  if (!Array.isArray(members) || members.length === 0) throw headError('an averaging ensemble needs members');
  const weights = ensembleWeights(members);
  const parts = members.map((m, i) => {
    const y = emit({ ...h, prefix: `${h.prefix}_m${i}` }, design, m.model);
    return h.g.op('Mul', [y, h.g.floats(`${h.prefix}_m${i}_weight`, [weights[i] as number], [])], {
      hint: `${h.prefix}_m${i}_weighted`,
    });
  });
  return parts.length === 1 ? (parts[0] as string) : h.g.op('Sum', parts, { hint: `${h.prefix}_average` });
}

const LINK = { regression: 'identity', binary: 'logistic', multiclass: 'softmax' } as const;

export function stackingHead(h: HeadContext, design: string, j: StackingSaved, emit: EmitHead): string {
  if (!Array.isArray(j.members) || j.members.length === 0) throw headError('a stacking ensemble needs members');
  if (j.link !== LINK[h.task])
    throw headError(`a ${h.task} stacking ensemble needs link "${LINK[h.task]}", got ${String(j.link)}`, {
      task: h.task,
    });
  const members = j.members;
  const width = h.task === 'multiclass' ? h.classes : 1;
  const outputs = h.task === 'multiclass' ? h.classes : 1;
  const inputs = members.length * width;
  const rows: unknown[] = Array.isArray(j.meta?.weights) ? j.meta.weights : [];
  if (rows.length !== inputs)
    throw headError(`stacking meta weights have ${rows.length} rows, expected ${inputs} (members × ${width})`, {
      expected: inputs,
      got: rows.length,
    });
  const weights = new Float64Array(inputs * outputs);
  rows.forEach((r, i) => weights.set(numbers(r, `stacking meta weights row ${i}`, outputs), i * outputs));
  const bias = numbers(j.meta?.intercept, 'stacking meta intercept', outputs);
  const parts = members.map((m, i) => {
    const mh = { ...h, prefix: `${h.prefix}_m${i}` };
    const y = emit(mh, design, m);
    return h.task === 'binary' ? column(mh, y, 1) : y;
  });
  const g = h.g;
  const stacked =
    parts.length === 1
      ? (parts[0] as string)
      : g.op('Concat', parts, { attrs: { axis: { int: 1 } }, hint: `${h.prefix}_stack_inputs` });
  const name = `${h.prefix}_stack`;
  const product = g.op('MatMul', [stacked, g.floats(`${name}_W`, weights, [inputs, outputs])], {
    hint: `${name}_matmul`,
  });
  const z = g.op('Add', [product, g.floats(`${name}_b`, bias, [outputs])], { hint: `${name}_sum` });
  if (h.task === 'multiclass') return g.op('Softmax', [z], { attrs: { axis: { int: -1 } }, hint: `${name}_softmax` });
  return h.task === 'binary' ? binaryFromLogit({ ...h, prefix: name }, z) : z;
}
