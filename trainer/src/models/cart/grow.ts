/**
 * Depth-first CART growth on a row-index partition: the node's rows are idx[start, end), a split
 * partitions that range in place, and each child takes one side. Splits are found on bins (see
 * split.ts); the grown tree records "bin ≤ b" tests, which `toRawTree` turns into raw thresholds.
 */
import type { Rng } from '../../random.ts';
import type { GrowData } from './grow-data.ts';
import type { GrowParams } from './params.ts';
import { scanGini, scanRegression, splitWorkspace, type SplitWorkspace } from './split.ts';

/**
 * A tree in bin space: internal nodes test bins[feature] ≤ bin; leaves have feature −1. With exact
 * bins (`GrowData.values`) a node also records its raw `threshold`: the midpoint between the
 * largest value left and the smallest value right among the node's rows, as scikit-learn places
 * it, and `bin` is the last bin at or below that midpoint, so the bin test and the raw test agree
 * on every training value. NaN: take the binner's threshold for `bin`.
 */
export interface GrownTree {
  feature: Int32Array;
  bin: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf values, nodes × outputs: the mean target, or class probabilities. */
  value: Float64Array;
  outputs: number;
}

/** Buffers sized for one data set, reused across the trees a thread grows. */
export interface GrowWorkspace {
  split: SplitWorkspace;
  feats: Int32Array;
  classW: Float64Array;
  stack: Int32Array;
  /** Weight and weight·y of idx[i] at position i, permuted with idx so the histogram passes read them in order. */
  nw: Float64Array;
  nwy: Float64Array;
  feature: Int32Array;
  bin: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

export function growWorkspace(d: GrowData): GrowWorkspace {
  const cap = 2 * Math.max(1, d.rows);
  const outputs = Math.max(1, d.classes);
  return {
    split: splitWorkspace(d.classes),
    feats: new Int32Array(d.cols),
    classW: new Float64Array(outputs),
    stack: new Int32Array(4 * cap),
    nw: new Float64Array(d.rows),
    nwy: new Float64Array(d.rows),
    feature: new Int32Array(cap),
    bin: new Int32Array(cap),
    threshold: new Float64Array(cap),
    left: new Int32Array(cap),
    right: new Int32Array(cap),
    value: new Float64Array(cap * outputs),
  };
}

/**
 * Grows one tree on the rows idx[0, count) (rows must carry weight > 0). `rng` orders (and, under
 * max_features, subsamples) the features tried at each node; it decides between equally good splits.
 */
export function growTree(
  d: GrowData,
  idx: Uint32Array,
  count: number,
  p: GrowParams,
  rng: Rng,
  ws: GrowWorkspace,
): GrownTree {
  const k = d.classes;
  const outputs = Math.max(1, k);
  const { split, feats, classW, stack, feature, bin, threshold, left, right, value, nw, nwy } = ws;
  for (let c = 0; c < d.cols; c++) feats[c] = c;
  const { weight: w, wy, y, labels } = d;
  let rootW = 0;
  for (let i = 0; i < count; i++) {
    const r = idx[i] as number;
    nw[i] = w[r] as number;
    nwy[i] = wy[r] as number;
    rootW += w[r] as number;
  }
  let nodes = 1;
  let sp = 0;
  // stack entries: node, start, end, depth
  stack[0] = 0;
  stack[1] = 0;
  stack[2] = count;
  stack[3] = 0;
  sp = 4;
  while (sp > 0) {
    sp -= 4;
    const node = stack[sp] as number;
    const start = stack[sp + 1] as number;
    const end = stack[sp + 2] as number;
    const depth = stack[sp + 3] as number;
    // Node totals and purity.
    let wN = 0;
    let sN = 0;
    let pure: boolean;
    if (k === 0) {
      let yMin = Infinity;
      let yMax = -Infinity;
      for (let i = start; i < end; i++) {
        wN += nw[i] as number;
        sN += nwy[i] as number;
        const v = y[idx[i] as number] as number;
        if (v < yMin) yMin = v;
        if (v > yMax) yMax = v;
      }
      pure = yMin === yMax;
      value[node] = sN / wN;
    } else {
      classW.fill(0);
      for (let i = start; i < end; i++) {
        const wr = nw[i] as number;
        wN += wr;
        const c = labels[idx[i] as number] as number;
        classW[c] = (classW[c] as number) + wr;
      }
      let sq = 0;
      pure = false;
      for (let c = 0; c < k; c++) {
        const cw = classW[c] as number;
        value[node * k + c] = cw / wN;
        sq += cw * cw;
        if (cw === wN) pure = true;
      }
      sN = sq / wN; // the parent's proxy term Σc²/W, compared with the children's below
    }
    feature[node] = -1;
    const n = end - start;
    if (pure || depth >= p.maxDepth || n < p.minSamplesSplit || n < 2 * p.minSamplesLeaf) continue;

    split.bestProxy = -Infinity;
    split.bestFeature = -1;
    let tried = 0;
    for (let j = 0; j < d.cols && tried < p.maxFeatures; j++) {
      // Partial Fisher–Yates, with all features too (as sklearn): the order breaks ties between
      // equally good splits — common in small nodes, where any feature separating two rows is
      // perfect — so the trees of a forest do not all prefer the first feature. Constant features
      // do not count towards max_features.
      const t = j + Math.floor(rng() * (d.cols - j));
      const f = feats[t] as number;
      feats[t] = feats[j] as number;
      feats[j] = f;
      const varies =
        k === 0
          ? scanRegression(d, split, idx, nw, nwy, start, end, f, wN, sN, p.minSamplesLeaf)
          : scanGini(d, split, idx, nw, start, end, f, wN, classW, p.minSamplesLeaf);
      if (varies) tried++;
    }
    if (split.bestFeature < 0) continue;
    if (p.minImpurityDecrease > 0) {
      const parentTerm = k === 0 ? (sN * sN) / wN : sN;
      if ((split.bestProxy - parentTerm) / rootW < p.minImpurityDecrease) continue;
    }
    if (k === 0) value[node] = 0;
    else value.fill(0, node * k, node * k + k);

    // Partition idx[start, end) in place: rows with bin ≤ b first.
    const f = split.bestFeature;
    const b = split.bestBin;
    const base = f * d.rows;
    let i = start;
    let e = end - 1;
    while (i <= e) {
      const r = idx[i] as number;
      if ((d.bins[base + r] as number) <= b) i++;
      else {
        idx[i] = idx[e] as number;
        idx[e] = r;
        const tw = nw[i] as number;
        nw[i] = nw[e] as number;
        nw[e] = tw;
        const ty = nwy[i] as number;
        nwy[i] = nwy[e] as number;
        nwy[e] = ty;
        e--;
      }
    }
    const l = nodes++;
    const rt = nodes++;
    feature[node] = f;
    const own = d.values?.[f];
    if (own) {
      // The node has no rows in bins (b, next): cut at the midpoint of its neighbouring values.
      const next = split.bestNext;
      let mid = ((own[b] as number) + (own[next] as number)) / 2;
      if (mid >= (own[next] as number)) mid = own[b] as number; // adjacent doubles: the midpoint rounds up
      let c = b;
      while (c + 1 < next && (own[c + 1] as number) <= mid) c++;
      bin[node] = c;
      threshold[node] = mid;
    } else {
      bin[node] = b;
      threshold[node] = NaN;
    }
    left[node] = l;
    right[node] = rt;
    // Push right first so the left subtree is grown first.
    stack[sp] = rt;
    stack[sp + 1] = i;
    stack[sp + 2] = end;
    stack[sp + 3] = depth + 1;
    stack[sp + 4] = l;
    stack[sp + 5] = start;
    stack[sp + 6] = i;
    stack[sp + 7] = depth + 1;
    sp += 8;
  }
  const out: GrownTree = {
    feature: feature.slice(0, nodes),
    bin: bin.slice(0, nodes),
    threshold: threshold.slice(0, nodes),
    left: left.slice(0, nodes),
    right: right.slice(0, nodes),
    value: value.slice(0, nodes * outputs),
    outputs,
  };
  // The buffers are reused across trees: clear whatever a leaf inherited from an earlier tree.
  for (let j = 0; j < nodes; j++) {
    if ((out.feature[j] as number) < 0) {
      out.bin[j] = -1;
      out.left[j] = -1;
      out.right[j] = -1;
    }
  }
  return out;
}
