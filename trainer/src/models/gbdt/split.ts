/**
 * Best split of one node from its histogram, by the second-order gain
 *   G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)
 * over every feature and every "bin ≤ b" cut. Ties keep the first candidate (lowest feature, then
 * lowest bin), so growth is deterministic.
 */

// Copies of histogram.ts's BIN_STRIDE and SLOTS: under tsx an imported binding is read through a
// getter call, too slow for the per-bin loop.
const STRIDE = 256 * 3;
const SLOTS = 3;

export interface SplitCandidate {
  gain: number;
  feature: number;
  /** Rows with bin ≤ bin go left. */
  bin: number;
  gradLeft: number;
  hessLeft: number;
  countLeft: number;
}

export interface SplitRules {
  lambda: number;
  minSamplesLeaf: number;
  minHessian: number;
  /** Hessian is constant 1 per row: read counts instead of the (unfilled) hessian slot. */
  constantHessian: boolean;
}

/**
 * The best split with positive gain, or null. `grad`, `hess`, `count` are the node's totals;
 * `binCounts[f]` the number of bins of feature f (features with one bin cannot split).
 */
export function findBestSplit(
  hist: Float64Array,
  cols: number,
  binCounts: Uint16Array,
  grad: number,
  hess: number,
  count: number,
  rules: SplitRules,
): SplitCandidate | null {
  const { lambda, minSamplesLeaf, minHessian, constantHessian } = rules;
  const parentTerm = (grad * grad) / (hess + lambda);
  let bestGain = 0;
  let bestFeature = -1;
  let bestBin = -1;
  let bestG = 0;
  let bestH = 0;
  let bestC = 0;
  const hOff = constantHessian ? 2 : 1;
  for (let f = 0; f < cols; f++) {
    const nb = binCounts[f] as number;
    const hb = f * STRIDE;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b < nb - 1; b++) {
      const k = hb + b * SLOTS;
      gl += hist[k] as number;
      hl += hist[k + hOff] as number;
      cl += hist[k + 2] as number;
      if (cl < minSamplesLeaf || hl < minHessian) continue;
      const cr = count - cl;
      const hr = hess - hl;
      if (cr < minSamplesLeaf || hr < minHessian) break; // only shrinks as b grows
      const gr = grad - gl;
      const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentTerm;
      if (gain > bestGain) {
        bestGain = gain;
        bestFeature = f;
        bestBin = b;
        bestG = gl;
        bestH = hl;
        bestC = cl;
      }
    }
  }
  if (bestFeature < 0) return null;
  return { gain: bestGain, feature: bestFeature, bin: bestBin, gradLeft: bestG, hessLeft: bestH, countLeft: bestC };
}
