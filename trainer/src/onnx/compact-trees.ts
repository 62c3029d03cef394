/**
 * Smaller tree ensembles for the ONNX artifact. Each option
 * either keeps every prediction bit-identical ("exact") or changes it by a bounded amount:
 *  - `dropImpliedSplits` (exact): a split whose outcome is already decided by its ancestors
 *    (x ≤ 3 under an ancestor x ≤ 2) is replaced by the child every row takes; the other child
 *    is unreachable and disappears with it.
 *  - `mergeEqualLeaves` (exact): a split whose two children are leaves with the same values becomes
 *    that leaf; applied bottom-up, so a whole subtree of equal leaves collapses.
 *  - `mergeTolerance` (approximate, off by default): also merges sibling leaves whose values differ
 *    by at most this much (absolute, in leaf units), into their midpoint. A merged leaf moves a
 *    row's score by at most tolerance / 2 per tree (before averaging).
 * Nodes are renumbered in depth-first preorder (root 0), as the exporter expects.
 *
 * `floorToFloat32` is the exact way to store a threshold in 4 bytes: design values are float32
 * numbers, and for a float32 x, x ≤ t exactly when x ≤ the largest float32 not above t.
 */
import type { Tree, TreeEnsemble } from '../models/tree.ts';

export interface CompactOptions {
  dropImpliedSplits?: boolean;
  mergeEqualLeaves?: boolean;
  mergeTolerance?: number;
}

/** What the exporter applies by default: the options that change no prediction. */
export const EXACT_COMPACTION: Readonly<CompactOptions> = { dropImpliedSplits: true, mergeEqualLeaves: true };

export interface CompactStats {
  nodesBefore: number;
  nodesAfter: number;
  /** Splits removed because their ancestors decide them. */
  impliedSplits: number;
  /** Splits turned into leaves by merging their two leaf children. */
  mergedLeaves: number;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The largest float32 ≤ x (x finite). */
export function floorToFloat32(x: number): number {
  f32[0] = x;
  const r = f32[0] as number;
  if (r <= x) return r;
  // Rounded up: step one ulp towards −∞ (bit pattern − 1 for positives, + 1 for negatives; 0 → −min).
  if (r === 0) i32[0] = 0x80000001;
  else i32[0] = (i32[0] as number) + (r > 0 ? -1 : 1);
  return f32[0] as number;
}

function leavesMergeable(value: readonly number[], k: number, a: number, b: number, tolerance: number): boolean {
  for (let j = 0; j < k; j++) {
    const d = Math.abs((value[a * k + j] as number) - (value[b * k + j] as number));
    if (!(d <= tolerance)) return false;
  }
  return true;
}

export function compactTree(t: Tree, o: CompactOptions, stats?: CompactStats): Tree {
  const k = t.outputs;
  let width = 0;
  for (const f of t.feature) width = Math.max(width, f + 1);
  const lo = new Float64Array(width).fill(-Infinity);
  const hi = new Float64Array(width).fill(Infinity);
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const merge = o.mergeEqualLeaves === true || o.mergeTolerance !== undefined;
  const tolerance = o.mergeTolerance !== undefined ? Math.max(0, o.mergeTolerance) : 0;

  const emit = (start: number): number => {
    let node = start;
    while (o.dropImpliedSplits && (t.feature[node] as number) >= 0) {
      const f = t.feature[node] as number;
      const th = t.threshold[node] as number;
      if ((hi[f] as number) <= th) node = t.left[node] as number;
      else if ((lo[f] as number) >= th) node = t.right[node] as number;
      else break;
      if (stats) stats.impliedSplits++;
    }
    const id = feature.length;
    const f = t.feature[node] as number;
    feature.push(f);
    threshold.push(f < 0 ? 0 : (t.threshold[node] as number));
    left.push(-1);
    right.push(-1);
    for (let j = 0; j < k; j++) value.push(f < 0 ? (t.value[node * k + j] as number) : 0);
    if (f < 0) return id;
    const th = t.threshold[node] as number;
    const savedHi = hi[f] as number;
    hi[f] = Math.min(savedHi, th);
    const l = emit(t.left[node] as number);
    hi[f] = savedHi;
    const savedLo = lo[f] as number;
    lo[f] = Math.max(savedLo, th);
    const r = emit(t.right[node] as number);
    lo[f] = savedLo;
    if (
      merge &&
      (feature[l] as number) < 0 &&
      (feature[r] as number) < 0 &&
      leavesMergeable(value, k, l, r, tolerance)
    ) {
      // l and r are the last two nodes written (id + 1, id + 2): drop them, id becomes the leaf.
      const merged = Array.from(
        { length: k },
        (_, j) => ((value[l * k + j] as number) + (value[r * k + j] as number)) / 2,
      );
      for (const a of [feature, threshold, left, right]) a.length = id + 1;
      value.length = id * k;
      value.push(...merged);
      feature[id] = -1;
      threshold[id] = 0;
      if (stats) stats.mergedLeaves++;
      return id;
    }
    left[id] = l;
    right[id] = r;
    return id;
  };
  emit(0);
  if (stats) {
    stats.nodesBefore += t.feature.length;
    stats.nodesAfter += feature.length;
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
    outputs: k,
  };
}

export function compactEnsemble(
  e: TreeEnsemble,
  o: CompactOptions = EXACT_COMPACTION,
): { ensemble: TreeEnsemble; stats: CompactStats } {
  const stats: CompactStats = { nodesBefore: 0, nodesAfter: 0, impliedSplits: 0, mergedLeaves: 0 };
  const trees = e.trees.map((t) => compactTree(t, o, stats));
  return { ensemble: { ...e, trees }, stats };
}
