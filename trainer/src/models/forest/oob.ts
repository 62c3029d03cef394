/**
 * Out-of-bag score: every training row is predicted by the trees whose bootstrap sample left it
 * out, averaged as the forest averages. Accumulated in tree order, so it is bit-identical however
 * the trees were spread across threads.
 */
import type { TreeResult } from './build.ts';

export interface OobResult {
  /** RMSE (regression) or accuracy (classification) over rows with at least one OOB tree; NaN if none. */
  score: number;
  /** Per-row averaged OOB prediction, rows × outputs; NaN where no tree left the row out. */
  prediction: Float64Array;
  /** Rows with at least one OOB tree. */
  covered: number;
}

export function oobScore(
  results: readonly TreeResult[],
  y: Float64Array,
  outputs: number,
  classification: boolean,
): OobResult {
  const n = y.length;
  const sum = new Float64Array(n * outputs);
  const count = new Uint32Array(n);
  for (const res of results) {
    const { oobRows, oobValues } = res;
    for (let o = 0; o < oobRows.length; o++) {
      const r = oobRows[o] as number;
      count[r] = (count[r] as number) + 1;
      for (let c = 0; c < outputs; c++)
        sum[r * outputs + c] = (sum[r * outputs + c] as number) + (oobValues[o * outputs + c] as number);
    }
  }
  let covered = 0;
  let acc = 0;
  for (let r = 0; r < n; r++) {
    const m = count[r] as number;
    if (m === 0) {
      sum.fill(NaN, r * outputs, (r + 1) * outputs);
      continue;
    }
    covered++;
    let best = 0;
    for (let c = 0; c < outputs; c++) {
      const v = (sum[r * outputs + c] as number) / m;
      sum[r * outputs + c] = v;
      if (v > (sum[r * outputs + best] as number)) best = c;
    }
    if (classification) acc += best === (y[r] as number) ? 1 : 0;
    else acc += ((sum[r] as number) - (y[r] as number)) ** 2;
  }
  const score = covered === 0 ? NaN : classification ? acc / covered : Math.sqrt(acc / covered);
  return { score, prediction: sum, covered };
}
