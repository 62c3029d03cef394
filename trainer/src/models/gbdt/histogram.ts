/**
 * Gradient histograms: per feature and bin, the sums of gradient, hessian and the row count of a
 * node's rows. Layout: one Float64Array per node, hist[(f · BIN_STRIDE + b) · 3 + k] with
 * k = 0 gradient, 1 hessian, 2 count. With a constant hessian (squared error) slot 1 is left at 0
 * and the split finder reads the count instead, saving one add per row and feature.
 */

/** Bins reserved per feature in a histogram (binner.MAX_BINS = 255 fits). */
export const BIN_STRIDE = 256;
export const SLOTS = 3;

export function histogramSize(cols: number): number {
  return cols * BIN_STRIDE * SLOTS;
}

/**
 * Fills the used cells of `hist` (bins 0..binCounts[f]−1 of features with ≥ 2 bins) with the
 * histogram of rows idx[start..end) (idx[0..n) must be the identity when the
 * range is every row). `bins` is column-major
 * (bins[f · n + row]). `ordered` is scratch of length ≥ end − start for the gathered gradients
 * (and `orderedHess` for the hessians), so each feature pass reads them contiguously. `hess` null
 * means a constant hessian: only gradient and count are accumulated.
 */
export function buildHistogram(
  hist: Float64Array,
  bins: Uint8Array,
  n: number,
  cols: number,
  binCounts: Uint16Array,
  idx: Uint32Array,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array | null,
  ordered: Float64Array,
  orderedHess: Float64Array,
): void {
  const m = end - start;
  if (m === 0) {
    hist.fill(0);
    return;
  }
  // The root: the grower resets idx to the identity for every tree, so rows are read directly.
  const whole = start === 0 && end === n;
  if (!whole) {
    for (let i = 0; i < m; i++) ordered[i] = grad[idx[start + i] as number] as number;
    if (hess) for (let i = 0; i < m; i++) orderedHess[i] = hess[idx[start + i] as number] as number;
  }
  const g = whole ? grad : ordered;
  const h = hess === null ? null : whole ? hess : orderedHess;
  for (let f = 0; f < cols; f++) {
    const nb = binCounts[f] as number;
    if (nb < 2) continue;
    const base = f * n;
    const hb = f * BIN_STRIDE * SLOTS;
    hist.fill(0, hb, hb + nb * SLOTS);
    // Two-bin (one-hot) columns: every row hits the same two cells, so the add chain is latency-
    // bound; sums kept in registers by arithmetic on the bin number avoid that.
    if (nb === 2) histTwoBins(hist, bins, base, hb, whole ? null : idx, start, m, g, h);
    else if (whole) {
      if (h) histWholeHess(hist, bins, base, hb, n, g, h);
      else histWhole(hist, bins, base, hb, n, g);
    } else if (h) histRowsHess(hist, bins, base, hb, idx, start, m, g, h);
    else histRows(hist, bins, base, hb, idx, start, m, g);
  }
}

// The loops below are kept separate and monomorphic so V8 compiles each to a tight loop.

function histTwoBins(
  hist: Float64Array,
  bins: Uint8Array,
  base: number,
  hb: number,
  idx: Uint32Array | null,
  start: number,
  m: number,
  g: Float64Array,
  h: Float64Array | null,
): void {
  let g0 = 0;
  let g1 = 0;
  let h0 = 0;
  let h1 = 0;
  let c1 = 0;
  for (let i = 0; i < m; i++) {
    const b = bins[base + (idx === null ? i : (idx[start + i] as number))] as number;
    const gi = g[i] as number;
    // Multiplying by 0 or 1 adds exactly the same terms as a per-bin add would.
    g0 += (1 - b) * gi;
    g1 += b * gi;
    c1 += b;
    if (h !== null) {
      const hi = h[i] as number;
      h0 += (1 - b) * hi;
      h1 += b * hi;
    }
  }
  hist[hb] = g0;
  hist[hb + 1] = h0;
  hist[hb + 2] = m - c1;
  hist[hb + 3] = g1;
  hist[hb + 4] = h1;
  hist[hb + 5] = c1;
}

function histWhole(hist: Float64Array, bins: Uint8Array, base: number, hb: number, n: number, g: Float64Array): void {
  for (let r = 0; r < n; r++) {
    const k = hb + (bins[base + r] as number) * 3;
    hist[k] = (hist[k] as number) + (g[r] as number);
    hist[k + 2] = (hist[k + 2] as number) + 1;
  }
}

function histWholeHess(
  hist: Float64Array,
  bins: Uint8Array,
  base: number,
  hb: number,
  n: number,
  g: Float64Array,
  h: Float64Array,
): void {
  for (let r = 0; r < n; r++) {
    const k = hb + (bins[base + r] as number) * 3;
    hist[k] = (hist[k] as number) + (g[r] as number);
    hist[k + 1] = (hist[k + 1] as number) + (h[r] as number);
    hist[k + 2] = (hist[k + 2] as number) + 1;
  }
}

function histRows(
  hist: Float64Array,
  bins: Uint8Array,
  base: number,
  hb: number,
  idx: Uint32Array,
  start: number,
  m: number,
  g: Float64Array,
): void {
  for (let i = 0; i < m; i++) {
    const k = hb + (bins[base + (idx[start + i] as number)] as number) * 3;
    hist[k] = (hist[k] as number) + (g[i] as number);
    hist[k + 2] = (hist[k + 2] as number) + 1;
  }
}

function histRowsHess(
  hist: Float64Array,
  bins: Uint8Array,
  base: number,
  hb: number,
  idx: Uint32Array,
  start: number,
  m: number,
  g: Float64Array,
  h: Float64Array,
): void {
  for (let i = 0; i < m; i++) {
    const k = hb + (bins[base + (idx[start + i] as number)] as number) * 3;
    hist[k] = (hist[k] as number) + (g[i] as number);
    hist[k + 1] = (hist[k + 1] as number) + (h[i] as number);
    hist[k + 2] = (hist[k + 2] as number) + 1;
  }
}

/**
 * parent ← parent − child over the used bins, in place: the sibling's histogram without touching
 * its rows. Cells past a feature's bin count are never read.
 */
export function subtractHistogram(
  parent: Float64Array,
  child: Float64Array,
  cols: number,
  binCounts: Uint16Array,
): void {
  for (let f = 0; f < cols; f++) {
    const hb = f * BIN_STRIDE * SLOTS;
    const end = hb + (binCounts[f] as number) * SLOTS;
    for (let i = hb; i < end; i++) parent[i] = (parent[i] as number) - (child[i] as number);
  }
}

/** Reuses histogram buffers across nodes and trees, so growth allocates nothing per node. */
export class HistogramPool {
  private readonly free: Float64Array[] = [];
  constructor(private readonly size: number) {}

  acquire(): Float64Array {
    return this.free.pop() ?? new Float64Array(this.size);
  }

  release(h: Float64Array): void {
    this.free.push(h);
  }
}
