/**
 * Averaging ensemble head: every member's head on the same design tensor, then the weighted
 * average Σ wᵢ·yᵢ with the weights normalised to sum to 1 (regression values or class
 * probabilities, [N, 1] or [N, k]).
 */
import { headError, type HeadContext } from './common.ts';

export interface EnsembleMemberJSON {
  kind: string;
  weight: number;
  /** The member's FittedModel or its toJSON. */
  model: unknown;
}

export type EmitHead = (h: HeadContext, design: string, kind: string, json: unknown) => string;

/** A member's JSON whether the ensemble holds fitted models or their toJSON. */
export function memberJSON(model: unknown): unknown {
  const m = model as { toJSON?: unknown } | null;
  return m !== null && typeof m === 'object' && typeof m.toJSON === 'function' ? (m.toJSON as () => unknown).call(m) : model;
}

export function ensembleWeights(members: readonly EnsembleMemberJSON[]): number[] {
  const total = members.reduce((s, m) => s + m.weight, 0);
  if (!members.every((m) => Number.isFinite(m.weight) && m.weight >= 0) || !(total > 0)) throw headError('ensemble weights must be ≥ 0 with a positive sum');
  return members.map((m) => m.weight / total);
}

export function ensembleHead(h: HeadContext, design: string, json: unknown, emit: EmitHead): string {
  const j = json as { members?: unknown; method?: unknown };
  if (j.method !== 'average' || !Array.isArray(j.members) || j.members.length === 0) throw headError('an ensemble needs method "average" and members');
  const members = j.members as EnsembleMemberJSON[];
  const weights = ensembleWeights(members);
  const parts = members.map((m, i) => {
    const y = emit({ ...h, prefix: `${h.prefix}_m${i}` }, design, m.kind, memberJSON(m.model));
    return h.g.op('Mul', [y, h.g.floats(`${h.prefix}_m${i}_weight`, [weights[i] as number], [])], { hint: `${h.prefix}_m${i}_weighted` });
  });
  return parts.length === 1 ? (parts[0] as string) : h.g.op('Sum', parts, { hint: `${h.prefix}_average` });
}
