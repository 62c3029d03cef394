/**
 * Best-split search on one node and one feature (`nw`/`nwy`: weights and weight·y in idx order): a histogram of the node's rows over the feature's
 * bins (weights, unique-row counts, and target sums or class weights), then one left-to-right scan
 * of the candidate thresholds "bin ≤ b". Only the bin range the node actually touches is scanned
 * and cleared, which keeps deep, small nodes cheap.
 */
import type { GrowData } from './grow-data.ts';

/** Scratch buffers reused across nodes and trees; the best split found so far lives here too. */
export interface SplitWorkspace {
  /** Regression: per bin, interleaved (row count, Σ w, Σ w·y) — one cache line per scattered update. */
  hR: Float64Array;
  hN: Int32Array;
  hW: Float64Array;
  /** Regression: Σ w·y per bin. Classification: class weights, bin-major (bin · k + class). */
  hS: Float64Array;
  /** Left-side class weights during a classification scan. */
  cL: Float64Array;
  /** Bins the current node touches, put in ascending order before the scan. */
  touched: Int32Array;
  bestProxy: number;
  bestFeature: number;
  bestBin: number;
  /** The lowest bin right of the best split among the node's rows (its neighbour across the cut). */
  bestNext: number;
}

/** Histogram slots: one per possible bin number (binner.EXACT_MAX_BINS + 1). */
const BINS = 65536;

export function splitWorkspace(classes: number): SplitWorkspace {
  const k = Math.max(1, classes);
  return {
    hR: new Float64Array(classes === 0 ? 3 * BINS : 0),
    hN: new Int32Array(BINS),
    hW: new Float64Array(BINS),
    hS: new Float64Array(BINS * k),
    cL: new Float64Array(k),
    touched: new Int32Array(BINS),
    bestProxy: -Infinity,
    bestFeature: -1,
    bestBin: -1,
    bestNext: -1,
  };
}

/**
 * Regression, squared error. Maximises the proxy sL²/wL + sR²/wR (the weighted impurity decrease
 * up to a node constant), as scikit-learn does. Returns false when the feature is constant in the node.
 */
export function scanRegression(
  d: GrowData,
  ws: SplitWorkspace,
  idx: Uint32Array,
  nw: Float64Array,
  nwy: Float64Array,
  start: number,
  end: number,
  f: number,
  wNode: number,
  sNode: number,
  minLeaf: number,
): boolean {
  const { bins } = d;
  const { hR, touched } = ws;
  const base = f * d.rows;
  let m = 0;
  for (let i = start; i < end; i++) {
    const r = idx[i] as number;
    const h = 3 * (bins[base + r] as number);
    const c = hR[h] as number;
    if (c === 0) touched[m++] = h / 3;
    hR[h] = c + 1;
    hR[h + 1] = (hR[h + 1] as number) + (nw[i] as number);
    hR[h + 2] = (hR[h + 2] as number) + (nwy[i] as number);
  }
  if (m === 1) {
    clearRegression(ws, 1);
    return false;
  }
  sortTouched(ws, m, hR, 3);
  const nNode = end - start;
  let nL = 0;
  let wL = 0;
  let sL = 0;
  for (let t = 0; t < m - 1; t++) {
    const h = 3 * (touched[t] as number);
    nL += hR[h] as number;
    wL += hR[h + 1] as number;
    sL += hR[h + 2] as number;
    if (nL < minLeaf) continue;
    if (nNode - nL < minLeaf) break;
    const wR = wNode - wL;
    const sR = sNode - sL;
    const proxy = (sL * sL) / wL + (sR * sR) / wR;
    if (proxy > ws.bestProxy) {
      ws.bestProxy = proxy;
      ws.bestFeature = f;
      ws.bestBin = touched[t] as number;
      ws.bestNext = touched[t + 1] as number;
    }
  }
  clearRegression(ws, m);
  return true;
}

/**
 * Classification, Gini. Maximises Σc cL²/wL + Σc cR²/wR, which is W minus the weighted Gini
 * impurity of the children. `classW` holds the node's class weights.
 */
export function scanGini(
  d: GrowData,
  ws: SplitWorkspace,
  idx: Uint32Array,
  nw: Float64Array,
  start: number,
  end: number,
  f: number,
  wNode: number,
  classW: Float64Array,
  minLeaf: number,
): boolean {
  const { bins, labels } = d;
  const { hN, hW, hS, cL, touched } = ws;
  const k = d.classes;
  const base = f * d.rows;
  let m = 0;
  for (let i = start; i < end; i++) {
    const r = idx[i] as number;
    const b = bins[base + r] as number;
    const wr = nw[i] as number;
    const c = hN[b] as number;
    if (c === 0) touched[m++] = b;
    hN[b] = c + 1;
    hW[b] = (hW[b] as number) + wr;
    const s = b * k + (labels[r] as number);
    hS[s] = (hS[s] as number) + wr;
  }
  if (m === 1) {
    clear(ws, 1, k);
    return false;
  }
  sortTouched(ws, m, hN, 1);
  const nNode = end - start;
  cL.fill(0);
  let nL = 0;
  let wL = 0;
  for (let t = 0; t < m - 1; t++) {
    const b = touched[t] as number;
    const n = hN[b] as number;
    nL += n;
    wL += hW[b] as number;
    let sqL = 0;
    let sqR = 0;
    for (let c = 0; c < k; c++) {
      const l = (cL[c] as number) + (hS[b * k + c] as number);
      cL[c] = l;
      const rr = (classW[c] as number) - l;
      sqL += l * l;
      sqR += rr * rr;
    }
    if (nL < minLeaf) continue;
    if (nNode - nL < minLeaf) break;
    const proxy = sqL / wL + sqR / (wNode - wL);
    if (proxy > ws.bestProxy) {
      ws.bestProxy = proxy;
      ws.bestFeature = f;
      ws.bestBin = b;
      ws.bestNext = touched[t + 1] as number;
    }
  }
  clear(ws, m, k);
  return true;
}

/**
 * Puts the m touched bins in ascending order: a pass over the bin range collecting the non-empty
 * bins when the node's bins are dense in it (large nodes), else insertion sort when few (deep
 * nodes), else a native sort — with exact bins the range can reach 65,535, so neither the range
 * pass nor insertion sort may run on a mid-sized node whose bins are spread out.
 */
function sortTouched(ws: SplitWorkspace, m: number, occ: Int32Array | Float64Array, stride: number): void {
  const { touched } = ws;
  let lo = BINS;
  let hi = -1;
  for (let t = 0; t < m; t++) {
    const b = touched[t] as number;
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  // A pass over the range reads each slot once (sequentially, cheap); a sort costs ≈ m·log2(m)
  // comparisons with moves: pass over the range while it is within a few times that.
  if (hi - lo <= 4 * m * (32 - Math.clz32(m))) {
    let t = 0;
    for (let b = lo; b <= hi; b++) if ((occ[b * stride] as number) > 0) touched[t++] = b;
  } else if (m <= 32) {
    for (let t = 1; t < m; t++) {
      const b = touched[t] as number;
      let u = t - 1;
      while (u >= 0 && (touched[u] as number) > b) {
        touched[u + 1] = touched[u] as number;
        u--;
      }
      touched[u + 1] = b;
    }
  } else touched.subarray(0, m).sort();
}

/** Zeroes the regression histogram's entries of the m touched bins. */
function clearRegression(ws: SplitWorkspace, m: number): void {
  const { touched, hR } = ws;
  for (let t = 0; t < m; t++) {
    const h = 3 * (touched[t] as number);
    hR[h] = 0;
    hR[h + 1] = 0;
    hR[h + 2] = 0;
  }
}

/** Zeroes the histogram entries of the m touched bins (k sums per bin). */
function clear(ws: SplitWorkspace, m: number, k: number): void {
  const { touched, hN, hW, hS } = ws;
  for (let t = 0; t < m; t++) {
    const b = touched[t] as number;
    hN[b] = 0;
    hW[b] = 0;
    for (let c = 0; c < k; c++) hS[b * k + c] = 0;
  }
}
