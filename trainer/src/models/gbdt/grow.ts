/**
 * Leaf-wise growth of one boosting tree on binned features: the open leaf with the best split gain
 * is split next until `max_leaf_nodes` leaves exist or no leaf can improve. Each node owns a range
 * idx[start..end) of a row-index array that splits are partitioned in place (stably, so rows stay
 * ascending and gathers walk memory forwards). Only the smaller child's histogram is built; the
 * larger one is the parent's minus it.
 */
import type { Tree } from '../tree.ts';
import { buildHistogram, HistogramPool, histogramSize, subtractHistogram } from './histogram.ts';
import { findBestSplit, type SplitCandidate, type SplitRules } from './split.ts';

export interface GrowerData {
  /** Column-major bins of the training rows. */
  bins: Uint8Array;
  n: number;
  cols: number;
  binCounts: Uint16Array;
  /** Raw-value upper bound of each bin (binner thresholds), for the exported tree. */
  thresholds: Float64Array[];
}

export interface GrowerOptions {
  maxLeaves: number;
  maxDepth: number | null;
  minSamplesLeaf: number;
  lambda: number;
  minHessian: number;
  learningRate: number;
  subtraction: boolean;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  grad: number;
  hess: number;
  hist: Float64Array | null;
  split: SplitCandidate | null;
}

/** Owns the buffers reused by every tree of one fit. */
export class Grower {
  private readonly idx: Uint32Array;
  private readonly scratch: Uint32Array;
  private readonly ordered: Float64Array;
  private readonly orderedHess: Float64Array;
  private readonly pool: HistogramPool;
  private readonly rules: SplitRules;
  private grad: Float64Array = new Float64Array(0);
  private hess: Float64Array | null = null;

  constructor(
    private readonly d: GrowerData,
    private readonly o: GrowerOptions,
    constantHessian: boolean,
  ) {
    this.idx = new Uint32Array(d.n);
    this.scratch = new Uint32Array(d.n);
    this.ordered = new Float64Array(d.n);
    this.orderedHess = new Float64Array(constantHessian ? 0 : d.n);
    this.pool = new HistogramPool(histogramSize(d.cols));
    this.rules = { lambda: o.lambda, minSamplesLeaf: o.minSamplesLeaf, minHessian: o.minHessian, constantHessian };
  }

  /**
   * Grows one tree on gradients `grad` (and `hess`, null for a constant unit hessian), adds its
   * leaf values to raw[row · stride + offset] for every training row, and returns it.
   */
  grow(grad: Float64Array, hess: Float64Array | null, raw: Float64Array, stride: number, offset: number): Tree {
    const { n } = this.d;
    this.grad = grad;
    this.hess = hess;
    for (let i = 0; i < n; i++) this.idx[i] = i;
    let g = 0;
    let h = 0;
    for (let i = 0; i < n; i++) g += grad[i] as number;
    if (hess) for (let i = 0; i < n; i++) h += hess[i] as number;
    else h = n;

    const feature: number[] = [-1];
    const threshold: number[] = [0];
    const left: number[] = [-1];
    const right: number[] = [-1];
    const root: Leaf = { node: 0, start: 0, end: n, depth: 0, grad: g, hess: h, hist: null, split: null };
    const open: Leaf[] = [];
    const done: Leaf[] = [];
    this.prepare(root, null, open, done);
    let leaves = 1;
    while (leaves < this.o.maxLeaves && open.length > 0) {
      let bi = 0;
      for (let i = 1; i < open.length; i++) if ((open[i] as Leaf).split!.gain > (open[bi] as Leaf).split!.gain) bi = i;
      const parent = open[bi] as Leaf;
      open.splice(bi, 1);
      const s = parent.split as SplitCandidate;
      const mid = this.partition(parent.start, parent.end, s.feature, s.bin);
      const l: Leaf = {
        node: feature.length,
        start: parent.start,
        end: mid,
        depth: parent.depth + 1,
        grad: s.gradLeft,
        hess: s.hessLeft,
        hist: null,
        split: null,
      };
      const r: Leaf = {
        node: feature.length + 1,
        start: mid,
        end: parent.end,
        depth: parent.depth + 1,
        grad: parent.grad - s.gradLeft,
        hess: parent.hess - s.hessLeft,
        hist: null,
        split: null,
      };
      feature[parent.node] = s.feature;
      threshold[parent.node] = (this.d.thresholds[s.feature] as Float64Array)[s.bin] as number;
      left[parent.node] = l.node;
      right[parent.node] = r.node;
      feature.push(-1, -1);
      threshold.push(0, 0);
      left.push(-1, -1);
      right.push(-1, -1);
      leaves++;
      if (leaves >= this.o.maxLeaves) {
        // The tree is full: the children stay leaves, so their histograms are never needed.
        this.pool.release(parent.hist as Float64Array);
        done.push(l, r);
        break;
      }
      this.splitHistograms(parent, l, r);
      this.prepare(l, l.hist, open, done);
      this.prepare(r, r.hist, open, done);
    }

    const value = new Float64Array(feature.length);
    for (const leaf of [...open, ...done]) {
      if (leaf.hist) this.pool.release(leaf.hist);
      const v = (-leaf.grad / (leaf.hess + this.o.lambda)) * this.o.learningRate;
      value[leaf.node] = v;
      for (let i = leaf.start; i < leaf.end; i++) {
        const k = (this.idx[i] as number) * stride + offset;
        raw[k] = (raw[k] as number) + v;
      }
    }
    return {
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value,
      outputs: 1,
    };
  }

  private splittable(leaf: Leaf): boolean {
    const o = this.o;
    return (
      leaf.end - leaf.start >= 2 * o.minSamplesLeaf &&
      leaf.hess >= 2 * o.minHessian &&
      (o.maxDepth === null || leaf.depth < o.maxDepth)
    );
  }

  /** Finds the leaf's best split from `hist` (built here for the root) and files it open or done. */
  private prepare(leaf: Leaf, hist: Float64Array | null, open: Leaf[], done: Leaf[]): void {
    if (!this.splittable(leaf)) {
      if (hist) this.pool.release(hist);
      leaf.hist = null;
      done.push(leaf);
      return;
    }
    if (!hist) {
      hist = this.pool.acquire();
      this.build(hist, leaf);
    }
    const d = this.d;
    leaf.hist = hist;
    leaf.split = findBestSplit(hist, d.cols, d.binCounts, leaf.grad, leaf.hess, leaf.end - leaf.start, this.rules);
    if (leaf.split) open.push(leaf);
    else {
      this.pool.release(hist);
      leaf.hist = null;
      done.push(leaf);
    }
  }

  /** Gives each splittable child a histogram, building as few rows as possible. */
  private splitHistograms(parent: Leaf, l: Leaf, r: Leaf): void {
    const ph = parent.hist as Float64Array;
    const ls = this.splittable(l);
    const rs = this.splittable(r);
    if (!this.o.subtraction) {
      this.pool.release(ph);
      if (ls) this.build((l.hist = this.pool.acquire()), l);
      if (rs) this.build((r.hist = this.pool.acquire()), r);
      return;
    }
    if (!ls && !rs) {
      this.pool.release(ph);
      return;
    }
    const [small, large, smallOk, largeOk] = l.end - l.start <= r.end - r.start ? [l, r, ls, rs] : [r, l, rs, ls];
    const sh = this.pool.acquire();
    this.build(sh, small);
    if (largeOk) {
      subtractHistogram(ph, sh, this.d.cols, this.d.binCounts);
      large.hist = ph;
    } else this.pool.release(ph);
    if (smallOk) small.hist = sh;
    else this.pool.release(sh);
  }

  private build(hist: Float64Array, leaf: Leaf): void {
    const d = this.d;
    buildHistogram(
      hist,
      d.bins,
      d.n,
      d.cols,
      d.binCounts,
      this.idx,
      leaf.start,
      leaf.end,
      this.grad,
      this.hess,
      this.ordered,
      this.orderedHess,
    );
  }

  /** Stable in-place partition of idx[start..end) by bin ≤ `bin` on `feature`; returns the cut. */
  private partition(start: number, end: number, feature: number, bin: number): number {
    const { bins, n } = this.d;
    const idx = this.idx;
    const scratch = this.scratch;
    const base = feature * n;
    let w = start;
    let s = 0;
    // Branch-free: the left/right test is a coin flip the CPU cannot predict. `go` is 1 when the
    // row's bin ≤ bin (sign bit of bin − b clear); each row is written to both sides, and only the
    // side it belongs to advances. w ≤ i, so idx is never overwritten before it is read.
    for (let i = start; i < end; i++) {
      const row = idx[i] as number;
      const go = ((bin - (bins[base + row] as number)) >>> 31) ^ 1;
      idx[w] = row;
      scratch[s] = row;
      w += go;
      s += go ^ 1;
    }
    idx.set(scratch.subarray(0, s), w);
    return w;
  }
}
